package kubeserver_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/trustbridge/trustbridge/internal/kubeserver"
)

// BenchmarkAdmissionReviewHTTPS measures admission reviews through the
// assembled server as the API server sends them: HTTPS to Server.Run's
// listener over loopback with a kept-alive connection, an IRSA Pod whose
// ServiceAccount is in the informer cache, the Pod Identity association
// looked up in the store cache first (and not found), JSONPatch out,
// counted in the metrics. ns/op is one review's latency from one client.
func BenchmarkAdmissionReviewHTTPS(b *testing.B) {
	r := quietRunning(b)
	body := admissionReview("admission.k8s.io/v1", "705ab4f5-6393-11e8-b7cc-42010a800002", "irsa", "Pod", "CREATE", podObject("app", 2))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		reviewOnce(b, r, body)
	}
}

// BenchmarkAdmissionReviewHTTPSParallel sends reviews from concurrent
// clients over a shared keep-alive transport; reviews/s = 1e9 / ns/op.
func BenchmarkAdmissionReviewHTTPSParallel(b *testing.B) {
	r := quietRunning(b)
	body := admissionReview("admission.k8s.io/v1", "705ab4f5-6393-11e8-b7cc-42010a800002", "irsa", "Pod", "CREATE", podObject("app", 2))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			reviewOnce(b, r, body)
		}
	})
}

func quietRunning(b *testing.B) *running {
	return startRunning(b, func(c *kubeserver.Config) {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
}

func reviewOnce(b *testing.B, r *running, body []byte) {
	resp, err := r.client.Post(r.url+kubeserver.PathMutate, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"patchType":"JSONPatch"`)) {
		b.Fatalf("%d %v %.300s", resp.StatusCode, err, out)
	}
}
