package tokenreview

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	authnv1beta1 "k8s.io/api/authentication/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testHandler(t testing.TB) *Handler {
	return &Handler{Authenticator: testAuthenticator(t, nil), Cluster: FixedCluster(cluster)}
}

func post(h http.Handler, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authenticate", strings.NewReader(body)))
	return rec
}

func TestHandlerV1(t *testing.T) {
	tok := tokenFromURL(presignURL(userOneOpts()))
	in, _ := json.Marshal(authnv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1, Kind: "TokenReview"},
		Spec:     authnv1.TokenReviewSpec{Token: tok, Audiences: []string{"https://kubernetes.default.svc"}},
	})
	rec := post(testHandler(t), string(in))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %q", rec.Code, rec.Body)
	}
	var out authnv1.TokenReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.APIVersion != APIVersionV1 || out.Kind != "TokenReview" || !out.Status.Authenticated {
		t.Fatalf("reply %s", rec.Body)
	}
	u := out.Status.User
	if u.Username != "UserOne" || u.UID != "aws-iam-authenticator:123456789012:AIDABZPUZDIKUSERONE1" || len(u.Groups) != 1 || u.Groups[0] != "system:masters" {
		t.Errorf("user %+v", u)
	}
	for _, k := range []string{"arn", "canonicalArn", "sessionName", "accessKeyId", "principalId", "sigs.k8s.io/aws-iam-authenticator/principalId"} {
		if len(u.Extra[k]) != 1 {
			t.Errorf("extra %q = %v", k, u.Extra[k])
		}
	}
	if strings.Contains(rec.Body.String(), tok[len(Prefix):]) {
		t.Error("reply echoes the token")
	}
}

func TestHandlerV1beta1AndDenial(t *testing.T) {
	o := userOneOpts()
	o.cluster = "another-cluster"
	in, _ := json.Marshal(authnv1beta1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1beta1, Kind: "TokenReview"},
		Spec:     authnv1beta1.TokenReviewSpec{Token: tokenFromURL(presignURL(o))},
	})
	rec := post(testHandler(t), string(in))
	var out authnv1beta1.TokenReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("%d %s %v", rec.Code, rec.Body, err)
	}
	if out.APIVersion != APIVersionV1beta1 || out.Status.Authenticated || !strings.Contains(out.Status.Error, "signature") || out.Status.User.Username != "" {
		t.Errorf("reply %s", rec.Body)
	}

	o = userOneOpts()
	in, _ = json.Marshal(authnv1beta1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1beta1, Kind: "TokenReview"},
		Spec:     authnv1beta1.TokenReviewSpec{Token: tokenFromURL(presignURL(o))},
	})
	rec = post(testHandler(t), string(in))
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || !out.Status.Authenticated || out.Status.User.Username != "UserOne" {
		t.Errorf("v1beta1 success reply %s", rec.Body)
	}
}

func TestHandlerBadRequests(t *testing.T) {
	h := testHandler(t)
	tests := []struct {
		name   string
		method string
		body   string
		want   int
	}{
		{"GET", http.MethodGet, "", http.StatusMethodNotAllowed},
		{"not JSON", http.MethodPost, "token", http.StatusBadRequest},
		{"wrong kind", http.MethodPost, `{"apiVersion":"authentication.k8s.io/v1","kind":"SubjectAccessReview"}`, http.StatusBadRequest},
		{"wrong version", http.MethodPost, `{"apiVersion":"authentication.k8s.io/v2","kind":"TokenReview"}`, http.StatusBadRequest},
		{"too large", http.MethodPost, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}}`, http.StatusRequestEntityTooLarge},
		{"empty token", http.MethodPost, `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/authenticate", strings.NewReader(tt.body)))
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
		})
	}
}

func TestClusterFromPath(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("POST /clusters/{cluster}/authenticate", &Handler{Authenticator: testAuthenticator(t, nil), Cluster: ClusterFromPath("cluster")})
	in, _ := json.Marshal(authnv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1, Kind: "TokenReview"},
		Spec:     authnv1.TokenReviewSpec{Token: tokenFromURL(presignURL(userOneOpts()))},
	})
	for path, want := range map[string]bool{"/clusters/" + cluster + "/authenticate": true, "/clusters/other/authenticate": false} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(in))))
		var out authnv1.TokenReview
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		if out.Status.Authenticated != want {
			t.Errorf("%s: %s", path, rec.Body)
		}
	}
}
