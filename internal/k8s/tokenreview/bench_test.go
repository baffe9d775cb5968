package tokenreview

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func BenchmarkParseToken(b *testing.B) {
	tok := tokenFromURL(presignURL(userOneOpts()))
	allow := AllowedHosts(ownHost)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseToken(tok, cluster, allow, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	a := testAuthenticator(b, nil)
	tok := tokenFromURL(presignURL(userOneOpts()))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, cluster, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenReviewHandler measures a whole TokenReview: JSON in, token
// parse, SigV4 HMAC verification (fake in-memory store), mapping through
// the demo world's aws-auth ConfigMap, JSON out. Besides ns/op it reports
// cpu-ns/op (process CPU time per review, meaningful on a busy machine:
// an idle machine with N cores serves about N×1e9/cpu-ns reviews per
// second) and p99-ns (wall-clock 99th percentile latency).
func BenchmarkTokenReviewHandler(b *testing.B) {
	h := testHandler(b)
	body, _ := json.Marshal(authnv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1, Kind: "TokenReview"},
		Spec:     authnv1.TokenReviewSpec{Token: tokenFromURL(presignURL(userOneOpts()))},
	})
	measure(b, func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authenticate", strings.NewReader(string(body))))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"authenticated":true`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	})
}

// measure runs op in parallel and reports cpu-ns/op and p99-ns.
func measure(b *testing.B, op func()) {
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t := time.Now()
			op()
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
