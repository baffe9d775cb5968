package timedstore_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trustbridge/trustbridge/internal/metrics/timedstore"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
	"github.com/trustbridge/trustbridge/internal/store/storetest"
)

func histogram() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "test_store_seconds"}, []string{"operation"})
}

func memory(t testing.TB) store.Store {
	s, err := sqlite.Open(context.Background(), sqlite.Memory, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the store conformance suite through the wrapper: it
// changes nothing the store does.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return timedstore.New(memory(t), histogram()) })
}

func count(t *testing.T, h *prometheus.HistogramVec, op string) uint64 {
	t.Helper()
	var m dto.Metric
	if err := h.WithLabelValues(op).(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

// TestObserves checks that each call, inside and outside a transaction,
// is one observation under its method name.
func TestObserves(t *testing.T) {
	ctx := context.Background()
	h := histogram()
	s := timedstore.New(memory(t), h)
	acct := store.Account{ID: "111122223333"}
	if err := s.Tx(ctx, func(tx store.Store) error { return tx.CreateAccount(ctx, acct) }); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.GetAccount(ctx, acct.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetAccount(ctx, "999999999999"); err == nil {
		t.Fatal("unknown account found")
	}
	for _, tc := range []struct {
		op   string
		want uint64
	}{
		{"Tx", 1},
		{"CreateAccount", 1},
		{"GetAccount", 4},
		{"ListAccounts", 0},
	} {
		if got := count(t, h, tc.op); got != tc.want {
			t.Errorf("%s observations = %d, want %d", tc.op, got, tc.want)
		}
	}
	if s.Unwrap() == nil {
		t.Error("Unwrap returned nil")
	}
}

// TestGeneratedIsCurrent fails when zz_generated.go differs from what
// gen.go writes for today's store.Store (run go generate).
func TestGeneratedIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	out, err := exec.Command("go", "run", "gen.go", "-o", "-").Output()
	if err != nil {
		t.Fatalf("go run gen.go: %v", err)
	}
	have, err := os.ReadFile("zz_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, have) {
		t.Fatal("zz_generated.go is stale: run go generate ./internal/metrics/timedstore")
	}
}

// BenchmarkGetAccessKey measures the wrapper's cost on the hottest read
// against the bare store.
func BenchmarkGetAccessKey(b *testing.B) {
	ctx := context.Background()
	bare := memory(b)
	if err := storetest.LoadWorld(ctx, bare, 10); err != nil {
		b.Fatal(err)
	}
	if err := storetest.LoadKeys(ctx, bare, 100); err != nil {
		b.Fatal(err)
	}
	id := storetest.BenchKeyID(7)
	for _, bc := range []struct {
		name string
		s    store.Store
	}{{"bare", bare}, {"timed", timedstore.New(bare, histogram())}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.s.GetAccessKey(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
