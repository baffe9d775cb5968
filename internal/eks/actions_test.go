package eks

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"testing"

	"github.com/trustbridge/trustbridge/internal/server"
)

// TestRouteNamesMatchModel checks that the operation name every route
// reports to the edge (the action label of trustbridge_requests_total) is
// the botocore model's name for that method and requestUri.
func TestRouteNamesMatchModel(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	const script = `
import json, botocore.session
m = botocore.session.get_session().get_service_model("eks")
print(json.dumps({m.operation_model(n).http["method"] + " " + m.operation_model(n).http["requestUri"].split("?")[0]: n for n in m.operation_names}))
`
	out, err := exec.Command(py, "-c", script).Output()
	if err != nil {
		t.Skipf("botocore's EKS model unavailable: %v", err)
	}
	var model map[string]string
	if err := json.Unmarshal(out, &model); err != nil {
		t.Fatal(err)
	}
	s := &Service{}
	for pattern, rt := range s.routes() {
		if got, want := rt.name, model[pattern]; got != want {
			t.Errorf("route %s is named %q, the model names it %q", pattern, got, want)
		}
	}
}

// TestServeRESTReportsAction checks that a routed request reports its
// operation name through server.SetAction, whatever its outcome, and that
// an unroutable one reports none.
func TestServeRESTReportsAction(t *testing.T) {
	e := newEnv(t)
	e.createCluster("demo", nil)
	for _, tc := range []struct {
		caller, method, path, want string
	}{
		{"root", "GET", "/clusters/demo", "DescribeCluster"},
		{"viewer", "GET", "/clusters", "ListClusters"},
		{"viewer", "DELETE", "/clusters/demo", "DeleteCluster"}, // denied, still named
		{"root", "GET", "/clusters/missing/access-entries", "ListAccessEntries"},
		{"root", "GET", "/no/such/operation", ""},
	} {
		req := httptest.NewRequest(tc.method, "https://eks.us-west-2.amazonaws.com"+tc.path, nil)
		req.Header.Set("X-Test-Caller", tc.caller)
		ctx := server.WithRequestID(context.Background(), "r")
		e.svc.ServeREST(httptest.NewRecorder(), req.WithContext(ctx))
		if got := server.Action(ctx); got != tc.want {
			t.Errorf("%s %s: action %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
