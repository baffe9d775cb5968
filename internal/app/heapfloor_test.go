package app_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/heapfloor"
	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/world"
)

// TestHeapFloor runs a server with Config.HeapFloor and checks that GOGC
// is raised while it runs, that the change is logged at debug level, and
// that Run puts GOGC back when it returns.
func TestHeapFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC") // restored by t.Setenv's cleanup
	gogc := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	before := gogc()
	var logs logtest.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, app.Config{
		Addr: "127.0.0.1:0", Store: ":memory:", World: world.Demo(),
		Logger:    slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HeapFloor: 1 << 40,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runtime.GC() // so that the live heap has been measured
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, func(net.Addr) {}) }()
	for deadline := time.Now().Add(30 * time.Second); gogc() != heapfloor.MaxPercent; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC = %d while the server runs, want %d (a 1 TiB floor)", gogc(), heapfloor.MaxPercent)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := gogc(); got != before {
		t.Errorf("GOGC after Run = %d, want %d restored", got, before)
	}
	if !strings.Contains(logs.String(), `msg="garbage collector tuned to the heap floor"`) || !strings.Contains(logs.String(), "gogc=5000") {
		t.Errorf("no debug line for the change:\n%s", logs.String())
	}
}
