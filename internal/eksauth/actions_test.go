package eksauth

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/server"
)

// TestServeRESTReportsAction checks that AssumeRoleForPodIdentity reports
// its name to the edge through server.SetAction, whether it succeeds or
// fails, and that an unroutable request reports none.
func TestServeRESTReportsAction(t *testing.T) {
	e := newEnv(t, fixed)
	for _, tc := range []struct {
		method, path, body, want string
	}{
		{"POST", "/clusters/demo/assume-role-for-pod-identity", `{"token":"` + e.token("team-a", nil) + `"}`, "AssumeRoleForPodIdentity"},
		{"POST", "/clusters/demo/assume-role-for-pod-identity", `{"token":"x"}`, "AssumeRoleForPodIdentity"},
		{"GET", "/clusters/demo/assume-role-for-pod-identity", "{}", ""},
		{"POST", "/", "{}", ""},
	} {
		req := httptest.NewRequest(tc.method, "https://eks-auth.us-west-2.api.aws"+tc.path, strings.NewReader(tc.body))
		req.Header.Set("X-Test-Caller", "node")
		ctx := server.WithRequestID(context.Background(), "r")
		rec := httptest.NewRecorder()
		e.svc.ServeREST(rec, req.WithContext(ctx))
		if got := server.Action(ctx); got != tc.want {
			t.Errorf("%s %s: action %q, want %q (status %d %s)", tc.method, tc.path, got, tc.want, rec.Code, rec.Body)
		}
	}
}
