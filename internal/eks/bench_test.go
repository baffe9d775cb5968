package eks

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/server"
)

// BenchmarkDescribeCluster measures the read path `aws eks
// update-kubeconfig` takes: authorization of a user with an identity
// policy, a cached cluster read and the JSON response.
func BenchmarkDescribeCluster(b *testing.B) {
	e := newEnv(b)
	e.createCluster("demo", map[string]any{"trustbridge": map[string]any{"certificateAuthority": testCA, "endpoint": "https://127.0.0.1:6443"}})
	e.svc.Authz.Audit = audit.New(io.Discard, e.st, 0, slog.New(slog.DiscardHandler))
	b.Cleanup(func() { e.svc.Authz.Audit.Close() })
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/clusters/demo", nil)
		req.Header.Set("X-Test-Caller", "viewer")
		req = req.WithContext(server.WithRequestID(req.Context(), "bench"))
		rec := httptest.NewRecorder()
		e.svc.ServeREST(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
