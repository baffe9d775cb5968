package eksauth

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/server"
)

// BenchmarkAssumeRoleForPodIdentity measures the handler (body read,
// authorization of the node, token verification, association and role
// lookups, trust evaluation, minting and sealing, audit) with a distinct,
// pre-generated token per operation, so every token is verified by
// signature (no verified-token cache hit). "reused" sends one token over
// and over, as an agent refreshing a pod's credentials would.
func BenchmarkAssumeRoleForPodIdentity(b *testing.B) {
	for _, kid := range []string{"ec", "rsa"} {
		b.Run("distinct-"+kid, func(b *testing.B) {
			e := benchEnv(b)
			tokens := make([][]byte, b.N)
			for i := range tokens {
				tok := e.token("team-a", func(c claims) {
					c["_kid"] = kid
					c["kubernetes.io"].(map[string]any)["pod"] = map[string]any{"name": "p-" + strconv.Itoa(i), "uid": "uid-" + strconv.Itoa(i)}
				})
				tokens[i], _ = json.Marshal(map[string]string{"token": tok})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				serve(b, e, tokens[i])
			}
		})
	}
	b.Run("reused", func(b *testing.B) {
		e := benchEnv(b)
		body, _ := json.Marshal(map[string]string{"token": e.token("team-a", nil)})
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			serve(b, e, body)
		}
	})
}

func benchEnv(b *testing.B) *env {
	e := newEnv(b, fixed)
	e.svc.Authz.Audit = audit.New(io.Discard, e.st, 0, slog.New(slog.DiscardHandler))
	b.Cleanup(func() { e.svc.Authz.Audit.Close() })
	return e
}

func serve(b *testing.B, e *env, body []byte) {
	req := httptest.NewRequest("POST", "/clusters/demo/assume-role-for-pod-identity", strings.NewReader(string(body)))
	req = req.WithContext(server.WithRequestID(req.Context(), "bench"))
	rec := httptest.NewRecorder()
	e.svc.ServeREST(rec, req)
	if rec.Code != 200 {
		b.Fatalf("status %d %s", rec.Code, rec.Body)
	}
}
