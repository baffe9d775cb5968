package accesspolicy_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
)

// BenchmarkSubjectAccessReviewHandler measures a whole SubjectAccessReview:
// JSON in, identity rebuilt from extra, access entry lookup bound to the
// username, scope and rule evaluation against the built-in policies, JSON
// out. Besides ns/op it reports cpu-ns/op (process CPU time per review,
// which stays meaningful on a busy machine: an idle machine with N cores
// serves about N×1e9/cpu-ns reviews per second) and p99-ns (wall-clock
// 99th percentile latency of one review).
func BenchmarkSubjectAccessReviewHandler(b *testing.B) {
	for _, bc := range []struct {
		name, user string
		id         func(testing.TB) *awsauth.Identity
		want       string
	}{
		{"allowed", "UserThree", userThree, `"allowed":true`},
		{"no-opinion", "dev", dev, `"allowed":false`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := handler(b, awsauth.ModeAPIAndConfigMap, nil)
			body := mustJSON(sar(bc.user, bc.id(b), ra("list", "kube-system", "", "pods", "", ""), nil))
			measure(b, func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authorize", strings.NewReader(body)))
				if !strings.Contains(rec.Body.String(), bc.want) {
					b.Fatalf("%s", rec.Body)
				}
			})
		})
	}
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
