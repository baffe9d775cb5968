package eksauth

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/server"
)

// FuzzAssumeRoleForPodIdentity sends arbitrary bodies and cluster names:
// the handler never panics, never fails with a 500, always answers JSON,
// and never echoes the token.
func FuzzAssumeRoleForPodIdentity(f *testing.F) {
	e := newEnv(f, fixed)
	good := e.token("team-a", nil)
	for _, seed := range []struct{ cluster, body string }{
		{"demo", `{"token":"` + good + `"}`},
		{"demo", `{"token":"a.b.c"}`},
		{"demo", `{"token":""}`},
		{"demo", `{}`},
		{"demo", ``},
		{"demo", `[]`},
		{"demo", `{"token":null}`},
		{"x%2Fy", `{"token":"` + good + `"}`},
		{"demo", `{"token":"` + strings.Repeat("A", 30000) + `.b.c"}`},
		{"demo", "{\"token\":\"\u00e9.\u00e9.\u00e9\"}"},
	} {
		f.Add(seed.cluster, seed.body)
	}
	f.Fuzz(func(t *testing.T, cluster, body string) {
		if strings.ContainsAny(cluster, "/?# \t\r\n") || cluster == "" || cluster == "." || cluster == ".." {
			return // not one path segment
		}
		req := httptest.NewRequest("POST", "/clusters/x/assume-role-for-pod-identity", strings.NewReader(body))
		req.URL.Path = "/clusters/" + cluster + "/assume-role-for-pod-identity"
		req.URL.RawPath = ""
		req = req.WithContext(server.WithRequestID(req.Context(), "fuzz"))
		rec := httptest.NewRecorder()
		e.svc.ServeREST(rec, req)
		if rec.Code >= 500 && rec.Code != 503 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("not JSON: %q", rec.Body)
		}
		var in AssumeRoleForPodIdentityInput
		if json.Unmarshal([]byte(body), &in) == nil && len(in.Token) >= 16 && rec.Code != 200 && strings.Contains(rec.Body.String(), in.Token) {
			t.Fatalf("token echoed: %s", rec.Body)
		}
	})
}

// FuzzSubject extracts the service account and pod from arbitrary claims
// (as the verifier would hand them over) without panicking, and accepts
// only complete, consistent identities.
func FuzzSubject(f *testing.F) {
	f.Add("system:serviceaccount:ns:sa", "ns", "sa", "pod", "uid", Audience)
	f.Add("system:serviceaccount:ns", "", "", "", "", Audience)
	f.Add("system:serviceaccount:a:b:c", "a", "b:c", "p", "u", "x")
	f.Add("", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, sub, ns, sa, pod, uid, aud string) {
		c := &oidc.Claims{Subject: sub, Audience: []string{aud}}
		if ns != "" || sa != "" || pod != "" || uid != "" {
			c.Kubernetes = &oidc.KubernetesClaims{Namespace: ns, ServiceAccountName: sa, PodName: pod, PodUID: uid}
		}
		gns, gsa, gpod, guid, err := subject(c)
		if err != nil {
			return
		}
		if gns == "" || gsa == "" || gpod == "" || guid == "" || aud != Audience {
			t.Fatalf("accepted incomplete identity %q/%q pod %q/%q aud %q", gns, gsa, gpod, guid, aud)
		}
	})
}

// FuzzIsJWT checks the hand-written JwtToken check against the model's
// pattern.
func FuzzIsJWT(f *testing.F) {
	re := regexp.MustCompile(`^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+$`)
	for _, s := range []string{"a.b.c", "a..c", ".b.c", "a.b.", "a.b.c.d", "a-_=.B9.z", "a b.c.d", "", "..", "a.b.c\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isJWT(s), re.MatchString(s); got != want {
			t.Fatalf("isJWT(%q) = %v, the model's pattern says %v", s, got, want)
		}
	})
}
