package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/metrics"
)

// TestRunWithMetrics serves the agent's metrics beside a running agent
// and stops both when the context ends.
func TestRunWithMetrics(t *testing.T) {
	m := metrics.New()
	m.Agent().CacheLookup(true)
	logs := &logtest.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runWithMetrics(ctx, "127.0.0.1:0", m, logger, func(ctx context.Context) error { <-ctx.Done(); return nil })
	}()
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "metrics listening" {
				addr = l.Addr
			}
		}
	}
	if addr == "" {
		t.Fatalf("no metrics listener: %s", logs.String())
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `trustbridge_agent_credential_cache_total{result="hit"} 1`) {
		t.Errorf("metrics lack the cache hit:\n%.2000s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runWithMetrics = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runWithMetrics did not stop")
	}
}

// TestRunWithMetricsBadAddr stops the agent and reports the error when the
// metrics listener cannot start.
func TestRunWithMetricsBadAddr(t *testing.T) {
	err := runWithMetrics(context.Background(), "127.0.0.1:notaport", metrics.New(), slog.New(slog.DiscardHandler),
		func(ctx context.Context) error { <-ctx.Done(); return nil })
	if err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Fatalf("err = %v, want a metrics listener error", err)
	}
}
