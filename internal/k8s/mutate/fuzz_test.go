package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
)

func fuzzMutator(f *testing.F) *Mutator {
	assoc := &StaticAssociations{}
	assoc.Put(testCluster, "apps", "pi", podIDRole)
	m, err := New(Config{Cluster: testCluster, DefaultRegion: "eu-west-1", InjectEndpoint: "https://127.0.0.1:8443"},
		NewStaticServiceAccounts(sa("app", "role-arn", testRole, "token-expiration", "3600"), sa("default", "role-arn", testRole, "sts-regional-endpoints", "true")),
		assoc, quietLogger())
	if err != nil {
		f.Fatal(err)
	}
	return m
}

// FuzzServeHTTP feeds arbitrary bodies to /mutate: the answer is 400, 413
// or a well-formed AdmissionReview echoing the UID and allowing the Pod
// (DenyOnError is off); never a panic.
func FuzzServeHTTP(f *testing.F) {
	for _, tc := range mutateCases() {
		f.Add(review(AdmissionV1, "u", "apps", podJSON(f, tc.pod)))
	}
	f.Add(review(AdmissionV1beta1, "u", "apps", []byte(`{"spec":{"containers":[{"name":"a","env":null}]}}`)))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","kind":{"kind":"Pod"},"operation":"CREATE","object":null}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","operation":"DELETE"}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	m := fuzzMutator(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("POST", "/mutate", bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			return
		case http.StatusOK:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("response: %v", err)
		}
		if out.Response == nil || out.Response.UID == "" || !out.Response.Allowed {
			t.Fatalf("response %+v", out.Response)
		}
	})
}

// FuzzMutatePod feeds arbitrary Pod objects to MutatePod. Whenever it
// returns a patch, the patch applies to the Pod with the API server's
// JSONPatch library, and mutating the result again adds nothing.
func FuzzMutatePod(f *testing.F) {
	for _, tc := range mutateCases() {
		f.Add(podJSON(f, tc.pod))
	}
	f.Add([]byte(`{"spec":{"serviceAccountName":"pi","containers":[{"name":"a"}],"initContainers":[{"name":"b","volumeMounts":[{"name":"x","mountPath":"/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"}]}]}}`))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a","env":[{"name":"AWS_REGION"}]}],"nodeSelector":{"kubernetes.io/os":"windows"}}}`))
	m := fuzzMutator(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		// The API server sends canonical JSON: no duplicate keys.
		var generic any
		if json.Unmarshal(raw, &generic) != nil {
			_, _ = m.MutatePod(context.Background(), "apps", raw) // must not panic
			return
		}
		doc, _ := json.Marshal(generic)
		res, err := m.MutatePod(context.Background(), "apps", doc)
		if err != nil || len(res.Patch) == 0 {
			return
		}
		b, _ := json.Marshal(res.Patch)
		p, err := jsonpatch.DecodePatch(b)
		if err != nil {
			t.Fatalf("decode patch: %v", err)
		}
		patched, err := p.Apply(doc)
		if err != nil {
			t.Fatalf("patch does not apply: %v\npod %s\npatch %s", err, doc, b)
		}
		again, err := m.MutatePod(context.Background(), "apps", patched)
		if err != nil || len(again.Patch) != 0 {
			t.Fatalf("second invocation: %v %s\npod %s", err, mustJSON(again.Patch), patched)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
