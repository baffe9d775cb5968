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
// are identical for what is read here) the handler decodes.
type reviewIn struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Request    *requestIn `json:"request"`
}

type requestIn struct {
	UID         types.UID                   `json:"uid"`
	Kind        metav1.GroupVersionKind     `json:"kind"`
	Resource    metav1.GroupVersionResource `json:"resource"`
	SubResource string                      `json:"subResource"`
	Name        string                      `json:"name"`
	Namespace   string                      `json:"namespace"`
	Operation   string                      `json:"operation"`
	Object      json.RawMessage             `json:"object"`
}

// parseReview decodes an AdmissionReview body and checks its envelope:
// apiVersion admission.k8s.io/v1 or v1beta1, kind AdmissionReview, a
// request with a UID. Its error is a client-facing message.
func parseReview(body []byte) (*reviewIn, error) {
	var in reviewIn
	if err := kjson.UnmarshalCaseSensitivePreserveInts(body, &in); err != nil {
		return nil, fmt.Errorf("malformed AdmissionReview: %v", err)
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

func (r *requestIn) isPod() bool {
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
func (m *Mutator) review(ctx context.Context, req *requestIn) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	if !req.isPod() {
		m.log.Debug("pod identity webhook: not a pod; allowed unchanged", "uid", req.UID, "kind", req.Kind.Kind, "resource", req.Resource.Resource, "subResource", req.SubResource)
		return resp
	}
	if req.Operation != "CREATE" {
		m.log.Debug("pod identity webhook: not a create; allowed unchanged", "uid", req.UID, "operation", req.Operation)
		return resp
	}
	if len(req.Object) == 0 || bytes.Equal(req.Object, []byte("null")) {
		return m.fail(resp, req, Result{}, &PodError{Err: errors.New("request has no object")})
	}
	res, err := m.MutatePod(ctx, req.Namespace, req.Object)
	if err != nil {
		return m.fail(resp, req, res, err)
	}
	resp.Warnings = res.Warnings
	attrs := []any{"uid", req.UID, "namespace", res.Namespace, "pod", podName(req), "serviceAccount", res.ServiceAccount, "mode", string(res.Mode)}
	if res.Mode == ModeNone {
		m.log.Debug("pod identity webhook: pod not mutated", append(attrs, "reason", res.Reason)...)
		return resp
	}
	if len(res.Patch) == 0 {
		m.log.Debug("pod identity webhook: pod already has the injection", append(attrs, "roleArn", res.RoleARN)...)
		return resp
	}
	patch, err := json.Marshal(res.Patch)
	if err != nil {
		return m.fail(resp, req, res, err)
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	m.log.Info("pod identity webhook: pod mutated", append(attrs, "roleArn", res.RoleARN, "operations", len(res.Patch))...)
	return resp
}

// podName is the Pod's name for logs; a Pod created by a controller has
// only a generateName at admission.
func podName(req *requestIn) string {
	if req.Name != "" {
		return req.Name
	}
	var meta struct {
		Metadata struct {
			Name         string `json:"name"`
			GenerateName string `json:"generateName"`
		} `json:"metadata"`
	}
	if kjson.UnmarshalCaseSensitivePreserveInts(req.Object, &meta) == nil {
		p := podView{}
		p.Metadata.Name, p.Metadata.GenerateName = meta.Metadata.Name, meta.Metadata.GenerateName
		return p.displayName()
	}
	return ""
}

// fail logs err and answers allowed (the default, failurePolicy: Ignore
// semantics) or denied (Config.DenyOnError).
func (m *Mutator) fail(resp *admissionv1.AdmissionResponse, req *requestIn, res Result, err error) *admissionv1.AdmissionResponse {
	attrs := []any{"uid", req.UID, "namespace", req.Namespace, "pod", podName(req), "serviceAccount", res.ServiceAccount, "err", err, "denied", m.cfg.DenyOnError}
	m.log.Error("pod identity webhook: mutation failed", attrs...)
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
