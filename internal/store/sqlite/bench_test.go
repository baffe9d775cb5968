package sqlite_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store/sqlite"
	"github.com/trustbridge/trustbridge/internal/store/storetest"
)

var worldRoles = flag.Int("world-roles", 100000, "roles BenchmarkLoadWorld writes")

// BenchmarkHotPaths measures the hot reads (and the cost of a durable
// write) on a file-backed store in WAL mode holding 10,000 roles and keys.
func BenchmarkHotPaths(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 10000
	if err := storetest.LoadWorld(ctx, s, n); err != nil {
		b.Fatal(err)
	}
	if err := storetest.LoadKeys(ctx, s, n); err != nil {
		b.Fatal(err)
	}
	storetest.RunBenchmarks(b, s, n, n)
}

// BenchmarkLoadWorld loads -world-roles roles (default 100,000), each with a
// trust policy and two attached policies, in one Tx into a file-backed
// store, and reports the wall time. Run it with -benchtime=1x.
func BenchmarkLoadWorld(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := sqlite.Open(ctx, b.TempDir(), sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := storetest.LoadWorld(ctx, s, *worldRoles); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/world")
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
