package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// review builds an AdmissionReview body for a Pod CREATE.
func review(apiVersion, uid, namespace string, pod []byte) []byte {
	return []byte(fmt.Sprintf(`{"apiVersion":%q,"kind":"AdmissionReview","request":{"uid":%q,`+
		`"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},`+
		`"requestKind":{"group":"","version":"v1","kind":"Pod"},"namespace":%q,"operation":"CREATE",`+
		`"userInfo":{"username":"system:serviceaccount:kube-system:replicaset-controller"},"object":%s,"oldObject":null,"dryRun":false}}`,
		apiVersion, uid, namespace, pod))
}

type handlerCase struct {
	name        string
	cfg         func(*Config)
	saErr       error
	assocErr    error
	method      string
	contentType string
	url         string
	body        []byte
	chunked     bool

	wantStatus     int
	wantBodySubstr string // for non-200 answers
	wantAPIVersion string
	wantAllowed    bool
	wantPatch      bool
	wantCode       int32
	wantMessage    string
	wantWarnings   int
	wantLog        string
}

func TestHandler(t *testing.T) {
	pod := podJSON(t, basicPod)
	badExp := podJSON(t, `
metadata: {name: web, annotations: {eks.amazonaws.com/token-expiration: "-5"}}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`)
	v1 := func(p []byte) []byte { return review(AdmissionV1, "uid-1", "apps", p) }
	tests := []handlerCase{
		{name: "v1 mutated", body: v1(pod), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantPatch: true, wantLog: "pod mutated"},
		{name: "v1beta1 mutated", body: review(AdmissionV1beta1, "uid-1", "apps", pod), wantStatus: 200, wantAPIVersion: AdmissionV1beta1, wantAllowed: true, wantPatch: true},
		{name: "apiserver timeout parameter", url: "/mutate?timeout=10s", body: v1(pod), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantPatch: true},
		{name: "content type with charset", contentType: "application/json; charset=utf-8", body: v1(pod), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantPatch: true},
		{name: "invalid expiration warns and mutates", body: v1(badExp), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantPatch: true, wantWarnings: 1, wantLog: "invalid annotation"},
		{
			name: "strict invalid expiration allowed unchanged", cfg: func(c *Config) { c.StrictAnnotations = true },
			body: v1(badExp), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantLog: "mutation failed",
		},
		{
			name: "strict invalid expiration denied", cfg: func(c *Config) { c.StrictAnnotations = true; c.DenyOnError = true },
			body: v1(badExp), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: false, wantCode: 400,
			wantMessage: `trustbridge pod identity webhook: pod annotation eks.amazonaws.com/token-expiration="-5": below the minimum of 600 seconds`,
		},
		{name: "lookup error allowed unchanged", saErr: errors.New("dial tcp 10.0.0.1:443: i/o timeout"), body: v1(pod), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantLog: "look up serviceaccount"},
		{
			name: "lookup error denied without detail", cfg: func(c *Config) { c.DenyOnError = true }, saErr: errors.New("dial tcp 10.0.0.1:443: i/o timeout"),
			body: v1(pod), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: false, wantCode: 500,
			wantMessage: "trustbridge pod identity webhook: could not look up the serviceaccount of this pod",
		},
		{
			name: "association error denied", cfg: func(c *Config) { c.DenyOnError = true }, assocErr: errors.New("database is locked"),
			body: v1(pod), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: false, wantCode: 500,
			wantMessage: "trustbridge pod identity webhook: could not look up the pod identity association of this pod",
		},
		{name: "malformed pod allowed", body: v1([]byte(`{"spec":{"containers":7}}`)), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantLog: "malformed pod"},
		{
			name: "malformed pod denied", cfg: func(c *Config) { c.DenyOnError = true },
			body: v1([]byte(`{"spec":{"containers":7}}`)), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: false, wantCode: 400,
		},
		{name: "null object", body: v1([]byte(`null`)), wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantLog: "request has no object"},
		{
			name:       "not a pod",
			body:       []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},"operation":"CREATE","namespace":"apps","object":{"spec":{}}}}`),
			wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true,
		},
		{
			name:       "pod subresource",
			body:       []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Binding"},"resource":{"group":"","version":"v1","resource":"pods"},"subResource":"binding","operation":"CREATE","namespace":"apps","object":{}}}`),
			wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true,
		},
		{
			name:       "resource only",
			body:       []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","resource":{"group":"","version":"v1","resource":"pods"},"operation":"CREATE","namespace":"apps","object":` + string(pod) + `}}`),
			wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true, wantPatch: true,
		},
		{
			name:       "update",
			body:       bytes.Replace(v1(pod), []byte(`"CREATE"`), []byte(`"UPDATE"`), 1),
			wantStatus: 200, wantAPIVersion: AdmissionV1, wantAllowed: true,
		},
		{name: "not json", body: []byte(`{"apiVersion":`), wantStatus: 400, wantBodySubstr: "malformed AdmissionReview", wantLog: "bad AdmissionReview"},
		{name: "empty body", body: nil, wantStatus: 400, wantBodySubstr: "malformed AdmissionReview"},
		{name: "wrong kind", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}`), wantStatus: 400, wantBodySubstr: `got kind "Pod"`},
		{name: "wrong version", body: []byte(`{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u"}}`), wantStatus: 400, wantBodySubstr: `apiVersion "admission.k8s.io/v2"`},
		{name: "no request", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`), wantStatus: 400, wantBodySubstr: "has no request"},
		{name: "no uid", body: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}`), wantStatus: 400, wantBodySubstr: "has no uid"},
		{name: "get", method: "GET", wantStatus: 405},
		{name: "text body", contentType: "text/plain", body: v1(pod), wantStatus: 415},
		{name: "declared too large", cfg: func(c *Config) { c.MaxBodyBytes = 300 }, body: v1(pod), wantStatus: 413, wantBodySubstr: "larger than 300 bytes", wantLog: "too large"},
		{name: "chunked too large", cfg: func(c *Config) { c.MaxBodyBytes = 300 }, body: v1(pod), chunked: true, wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := Config{Cluster: testCluster}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			sas := NewStaticServiceAccounts(sa("app", "role-arn", testRole))
			sas.SetError(tt.saErr)
			assoc := &StaticAssociations{}
			assoc.SetError(tt.assocErr)
			m, err := New(cfg, sas, assoc, log)
			if err != nil {
				t.Fatal(err)
			}
			method, url := tt.method, tt.url
			if method == "" {
				method = "POST"
			}
			if url == "" {
				url = "/mutate"
			}
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body)
			}
			req := httptest.NewRequest(method, url, body)
			if tt.chunked {
				req.ContentLength = -1
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs.String())
			}
			if tt.wantStatus != 200 {
				if !strings.Contains(rec.Body.String(), tt.wantBodySubstr) {
					t.Errorf("body %q lacks %q", rec.Body, tt.wantBodySubstr)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			r := out.Response
			if out.APIVersion != tt.wantAPIVersion || out.Kind != "AdmissionReview" || r == nil {
				t.Fatalf("envelope %s %s %v", out.APIVersion, out.Kind, r)
			}
			if r.UID == "" || !strings.Contains(string(tt.body), `"uid":"`+string(r.UID)+`"`) {
				t.Errorf("uid %q not echoed", r.UID)
			}
			if r.Allowed != tt.wantAllowed {
				t.Errorf("allowed = %v, want %v (%+v)", r.Allowed, tt.wantAllowed, r.Result)
			}
			if got := len(r.Patch) > 0; got != tt.wantPatch {
				t.Errorf("patch present = %v, want %v", got, tt.wantPatch)
			}
			if tt.wantPatch {
				if r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch {
					t.Errorf("patchType %v", r.PatchType)
				}
				var ops []Operation
				if err := json.Unmarshal(r.Patch, &ops); err != nil || len(ops) == 0 {
					t.Errorf("patch %s: %v", r.Patch, err)
				}
			} else if r.PatchType != nil {
				t.Errorf("patchType set without a patch")
			}
			if tt.wantCode != 0 || tt.wantMessage != "" {
				if r.Result == nil {
					t.Fatal("no result status")
				}
				if r.Result.Code != tt.wantCode {
					t.Errorf("code = %d, want %d", r.Result.Code, tt.wantCode)
				}
				if tt.wantMessage != "" && r.Result.Message != tt.wantMessage {
					t.Errorf("message = %q, want %q", r.Result.Message, tt.wantMessage)
				}
			}
			if len(r.Warnings) != tt.wantWarnings {
				t.Errorf("warnings = %q", r.Warnings)
			}
			for _, secretish := range []string{"10.0.0.1", "database is locked"} {
				if r.Result != nil && strings.Contains(r.Result.Message, secretish) {
					t.Errorf("internal detail %q leaked", secretish)
				}
			}
		})
	}
}

// TestHandlerPatchMatchesGolden checks the HTTP path returns exactly the
// patch MutatePod computes for a golden fixture.
func TestHandlerPatchMatchesGolden(t *testing.T) {
	for _, tc := range mutateCases() {
		if tc.wantMode == ModeNone {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMutator(t, tc)
			ns := tc.namespace
			if ns == "" {
				ns = "apps"
			}
			raw := podJSON(t, tc.pod)
			res, err := m.MutatePod(context.Background(), ns, raw)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, httptest.NewRequest("POST", "/mutate", bytes.NewReader(review(AdmissionV1, "u", ns, raw))))
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(res.Patch)
			if len(res.Patch) == 0 {
				want = nil
			}
			if !bytes.Equal(out.Response.Patch, want) {
				t.Errorf("handler patch %s\nMutatePod patch %s", out.Response.Patch, want)
			}
		})
	}
}

func TestHandlerHugePod(t *testing.T) {
	// 2,000 containers each with 20 variables: about 1.5 MiB, within the
	// default bound; every container is mutated.
	var b strings.Builder
	b.WriteString(`{"metadata":{"name":"huge"},"spec":{"serviceAccountName":"app","containers":[`)
	for i := range 2000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"c%d","image":"busybox","env":[`, i)
		for j := range 20 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":"VAR_%d","value":"%s"}`, j, strings.Repeat("v", 20))
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}}`)
	m, err := New(Config{}, NewStaticServiceAccounts(sa("app", "role-arn", testRole)), nil, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	body := review(AdmissionV1, "u", "apps", []byte(b.String()))
	if len(body) > int(DefaultMaxBodyBytes) {
		t.Fatalf("fixture too large: %d", len(body))
	}
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("POST", "/mutate", bytes.NewReader(body)))
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	var ops []Operation
	if err := json.Unmarshal(out.Response.Patch, &ops); err != nil {
		t.Fatal(err)
	}
	// volume + per container 2 env ops + 1 mount op
	if len(ops) != 1+2000*3 {
		t.Errorf("%d operations", len(ops))
	}

	// Beyond the bound: 413, never a crash.
	big := bytes.Repeat([]byte(" "), int(DefaultMaxBodyBytes)+1)
	rec = httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("POST", "/mutate", bytes.NewReader(append(body, big...))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d", rec.Code)
	}
}

// TestLogsCarryNoSecrets checks that what the handler logs about a Pod never
// includes env values or volume contents (which could be secrets a user
// put in a manifest).
func TestLogsCarryNoSecrets(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := New(Config{}, NewStaticServiceAccounts(sa("app", "role-arn", testRole)), nil, log)
	if err != nil {
		t.Fatal(err)
	}
	pod := podJSON(t, `
metadata: {name: web}
spec:
  serviceAccountName: app
  containers:
  - name: app
    image: busybox
    env: [{name: AWS_SECRET_ACCESS_KEY, value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}]
`)
	for _, body := range [][]byte{review(AdmissionV1, "u", "apps", pod), review("bad", "u", "apps", pod)} {
		m.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/mutate", bytes.NewReader(body)))
	}
	if strings.Contains(logs.String(), "wJalrXUtnFEMI") {
		t.Errorf("secret in logs:\n%s", logs.String())
	}
}
