package world

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store/sqlite"
)

// fakeClock advances by step on every read.
func fakeClock(t *testing.T, step time.Duration) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := progressClock
	progressClock = func() time.Time { now = now.Add(step); return now }
	t.Cleanup(func() { progressClock = old })
}

// bigWorld declares one account with n roles.
func bigWorld(n int) *File {
	var b strings.Builder
	b.WriteString("accounts:\n- id: \"111122223333\"\n  roles:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - name: role-%05d\n    trustPolicy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: {AWS: \"111122223333\"}, Action: \"sts:AssumeRole\"}]}\n", i)
	}
	f, err := Parse("big.yaml", []byte(b.String()), nil)
	if err != nil {
		panic(err)
	}
	return f
}

// TestApplyProgress checks the cadence: every 5,000 entities, after two
// seconds (checked every 64 entities), and at the end.
func TestApplyProgress(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles int
		step  time.Duration // clock advance per read
		want  []int         // done at each report
	}{
		{"small world, fast: only the end", 10, time.Millisecond, []int{11}},
		{"count cadence", 10_000, time.Nanosecond, []int{5000, 10_000, 10_001}},
		{"time cadence", 300, time.Second, []int{128, 256, 301}},
		{"time cadence, slow store", 300, 2 * time.Second, []int{64, 128, 192, 256, 301}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fakeClock(t, tc.step)
			ctx := context.Background()
			st, err := sqlite.Open(ctx, sqlite.Memory, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var got []int
			d := testDeps()
			d.Progress = func(done, total int) {
				if total != tc.roles+1 {
					t.Errorf("total = %d, want %d", total, tc.roles+1)
				}
				got = append(got, done)
			}
			if _, err := Apply(ctx, st, bigWorld(tc.roles), d); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("reports at %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLogProgress checks the line a person reads: counts, rate, percent,
// elapsed and remaining time.
func TestLogProgress(t *testing.T) {
	fakeClock(t, time.Second)
	var buf bytes.Buffer
	p := LogProgress(slog.New(slog.NewJSONHandler(&buf, nil)), "big.yaml") // start: t=1s
	p(500, 2000)                                                           // t=2s: 1s elapsed
	p(2000, 2000)                                                          // t=3s
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var first, last map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &last); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"msg": "applying world", "level": "INFO", "world": "big.yaml", "done": 500.0, "total": 2000.0, "per_second": 500.0, "percent": 25.0, "remaining": float64(3 * time.Second)} {
		if first[k] != want {
			t.Errorf("first line %s = %v, want %v", k, first[k], want)
		}
	}
	if _, ok := last["remaining"]; ok {
		t.Errorf("the last line has a remaining time: %s", lines[1])
	}
	if last["percent"] != 100.0 || last["per_second"] != 1000.0 {
		t.Errorf("last line %s", lines[1])
	}
}
