package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store/storetest"
)

// BenchmarkHotPaths measures the hot reads and a durable write against
// TRUSTBRIDGE_TEST_POSTGRES with 10,000 roles and keys.
func BenchmarkHotPaths(b *testing.B) {
	s, err := openSchema(newSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const n = 10000
	if err := storetest.LoadWorld(ctx, s, n); err != nil {
		b.Fatal(err)
	}
	if err := storetest.LoadKeys(ctx, s, n); err != nil {
		b.Fatal(err)
	}
	storetest.RunBenchmarks(b, s, n, n)
}

// BenchmarkLoadWorld loads 10,000 roles in one Tx and reports the time.
func BenchmarkLoadWorld(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s, err := openSchema(newSchema(b))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := storetest.LoadWorld(context.Background(), s, 10000); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/10k-roles")
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
