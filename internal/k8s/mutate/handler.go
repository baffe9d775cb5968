package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kjson "sigs.k8s.io/json"

	"github.com/trustbridge/trustbridge/internal/k8s/webhook"
)

// AdmissionReview API versions the handler accepts; the response uses the
// request's.
const (
	AdmissionV1      = "admission.k8s.io/v1"
	AdmissionV1beta1 = "admission.k8s.io/v1beta1"
)

// reviewIn is the part of an AdmissionReview (v1 or v1beta1: the shapes
// are identical for what is read here) the handler decodes. O is the type
// the object is decoded into.
type reviewIn[O any] struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Request    *requestIn[O] `json:"request"`
}

type requestIn[O any] struct {
	UID         types.UID                   `json:"uid"`
	Kind        metav1.GroupVersionKind     `json:"kind"`
	Resource    metav1.GroupVersionResource `json:"resource"`
	SubResource string                      `json:"subResource"`
	Name        string                      `json:"name"`
	Namespace   string                      `json:"namespace"`
	Operation   string                      `json:"operation"`
	Object      O                           `json:"object"`
	// objectErr is why Object could not be decoded as a Pod.
	objectErr error
}

// parseReview decodes an AdmissionReview body and checks its envelope:
// apiVersion admission.k8s.io/v1 or v1beta1, kind AdmissionReview, a
// request with a UID. Its error is a client-facing message.
//
// The object is decoded as a Pod in the same pass (the webhook is
// registered for Pods, so this is the path taken). When the object is not
// Pod-shaped the envelope is decoded again with the object kept raw, and
// the Pod decoding error is recorded in the request's objectErr.
func parseReview(body []byte) (*reviewIn[*podView], error) {
	var in reviewIn[*podView]
	if err := kjson.UnmarshalCaseSensitivePreserveInts(body, &in); err != nil {
		var raw reviewIn[json.RawMessage]
		if err := kjson.UnmarshalCaseSensitivePreserveInts(body, &raw); err != nil {
			return nil, fmt.Errorf("malformed AdmissionReview: %v", err)
		}
		in = reviewIn[*podView]{APIVersion: raw.APIVersion, Kind: raw.Kind}
		if r := raw.Request; r != nil {
			in.Request = &requestIn[*podView]{
				UID: r.UID, Kind: r.Kind, Resource: r.Resource, SubResource: r.SubResource,
				Name: r.Name, Namespace: r.Namespace, Operation: r.Operation,
			}
			var pod podView
			if err := kjson.UnmarshalCaseSensitivePreserveInts(r.Object, &pod); err != nil {
				in.Request.objectErr = err
			} else {
				// Unreachable in practice: the envelope decoded above.
				in.Request.Object = &pod
			}
		}
	}
	if in.Kind != "AdmissionReview" || (in.APIVersion != AdmissionV1 && in.APIVersion != AdmissionV1beta1) {
		return nil, fmt.Errorf("expected an AdmissionReview of apiVersion %s or %s, got kind %q apiVersion %q", AdmissionV1, AdmissionV1beta1, truncate(in.Kind), truncate(in.APIVersion))
	}
	if in.Request == nil {
		return nil, errors.New("AdmissionReview has no request")
	}
	if in.Request.UID == "" {
		return nil, errors.New("AdmissionReview request has no uid")
	}
	return &in, nil
}

func (r *requestIn[O]) isPod() bool {
	if r.SubResource != "" {
		return false
	}
	if r.Kind.Kind != "" {
		return r.Kind.Group == "" && r.Kind.Kind == "Pod"
	}
	return r.Resource.Group == "" && r.Resource.Resource == "pods"
}

// ServeHTTP is the /mutate endpoint: an AdmissionReview (v1 or v1beta1)
// in, the same apiVersion out with the request's UID and a JSONPatch.
//
//   - A body that is not a well-formed AdmissionReview with a request UID
//     is answered 400 (or 413 beyond Config.MaxBodyBytes, 415 for a
//     non-JSON content type), since there is no UID to answer with.
//   - Objects other than Pods, subresources and operations other than
//     CREATE are allowed unchanged.
//   - Mutation errors are logged and the Pod allowed unchanged, or denied
//     with the reason when Config.DenyOnError is set.
//
// The API server's ?timeout= query parameter, when present, shortens the
// lookup budget so the webhook answers before the API server gives up.
func (m *Mutator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			http.Error(w, "unsupported content type: send application/json", http.StatusUnsupportedMediaType)
			return
		}
	}
	body, err := webhook.ReadBody(r, m.cfg.MaxBodyBytes)
	if errors.Is(err, webhook.ErrBodyTooLarge) {
		m.log.Warn("pod identity webhook: request body too large", "limit", m.cfg.MaxBodyBytes, "contentLength", r.ContentLength)
		http.Error(w, fmt.Sprintf("AdmissionReview larger than %d bytes", m.cfg.MaxBodyBytes), http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		m.log.Warn("pod identity webhook: reading request failed", "err", err)
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	in, err := parseReview(body)
	if err != nil {
		m.log.Warn("pod identity webhook: bad AdmissionReview", "err", err, "bytes", len(body))
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if t, err := time.ParseDuration(r.URL.Query().Get("timeout")); err == nil && t > 0 {
		// Leave a fifth of the API server's budget for the response.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t*4/5)
		defer cancel()
	}
	resp := m.review(ctx, in.Request)
	out := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: in.APIVersion, Kind: "AdmissionReview"},
		Response: resp,
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(&out); err != nil {
		m.log.Error("pod identity webhook: encode response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// review answers one AdmissionRequest.
func (m *Mutator) review(ctx context.Context, req *requestIn[*podView]) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	if !req.isPod() {
		m.log.Debug("pod identity webhook: not a pod; allowed unchanged", "uid", req.UID, "kind", req.Kind.Kind, "resource", req.Resource.Resource, "subResource", req.SubResource)
		return resp
	}
	if req.Operation != "CREATE" {
		m.log.Debug("pod identity webhook: not a create; allowed unchanged", "uid", req.UID, "operation", req.Operation)
		return resp
	}
	if req.objectErr != nil {
		return m.fail(resp, req, Result{Pod: req.Name, Namespace: req.Namespace}, &PodError{Err: req.objectErr})
	}
	if req.Object == nil {
		return m.fail(resp, req, Result{Pod: req.Name, Namespace: req.Namespace}, &PodError{Err: errors.New("request has no object")})
	}
	res, err := m.mutate(ctx, req.Namespace, req.Object)
	if err != nil {
		return m.fail(resp, req, res, err)
	}
	resp.Warnings = res.Warnings
	if res.Mode == ModeNone {
		m.log.Debug("pod identity webhook: pod not mutated", "uid", req.UID, "namespace", res.Namespace, "pod", res.Pod, "serviceAccount", res.ServiceAccount, "reason", res.Reason)
		return resp
	}
	if len(res.Patch) == 0 {
		m.log.Debug("pod identity webhook: pod already has the injection", "uid", req.UID, "namespace", res.Namespace, "pod", res.Pod, "serviceAccount", res.ServiceAccount, "mode", string(res.Mode))
		return resp
	}
	patch, err := json.Marshal(res.Patch)
	if err != nil {
		return m.fail(resp, req, res, err)
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	m.log.Info("pod identity webhook: pod mutated", "uid", req.UID, "namespace", res.Namespace, "pod", res.Pod, "serviceAccount", res.ServiceAccount,
		"mode", string(res.Mode), "roleArn", res.RoleARN, "operations", len(res.Patch))
	return resp
}

// fail logs err and answers allowed (the default, failurePolicy: Ignore
// semantics) or denied (Config.DenyOnError).
func (m *Mutator) fail(resp *admissionv1.AdmissionResponse, req *requestIn[*podView], res Result, err error) *admissionv1.AdmissionResponse {
	m.log.Error("pod identity webhook: mutation failed", "uid", req.UID, "namespace", req.Namespace, "pod", res.Pod, "serviceAccount", res.ServiceAccount, "err", err, "denied", m.cfg.DenyOnError)
	if !m.cfg.DenyOnError {
		return resp
	}
	code, msg := int32(http.StatusInternalServerError), "trustbridge pod identity webhook: "
	var aerr *AnnotationError
	var perr *PodError
	var lerr *LookupError
	switch {
	case errors.As(err, &aerr):
		code, msg = http.StatusBadRequest, msg+aerr.Error()
	case errors.As(err, &perr):
		code, msg = http.StatusBadRequest, msg+perr.Error()
	case errors.As(err, &lerr):
		// The lookup's own error may describe internals; it is logged.
		msg += "could not look up the " + lerr.What + " of this pod"
	default:
		msg += "internal error"
	}
	resp.Allowed = false
	resp.Result = &metav1.Status{Status: metav1.StatusFailure, Message: msg, Code: code}
	return resp
}
