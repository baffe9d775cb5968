package progress

import (
	"bytes"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeClock advances a minute on every reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

// TestQuietWhenFast: a step that ends before the first interval prints
// nothing at all (the warm path).
func TestQuietWhenFast(t *testing.T) {
	var out lockedBuffer
	r := Start(&out, "testbed: building trustbridge", Options{Interval: time.Hour, Note: "slow the first time"})
	r.Add(3)
	if d := r.Stop("done"); d < 0 {
		t.Errorf("Stop = %v", d)
	}
	if out.String() != "" || r.Printed() {
		t.Errorf("printed %q", out.String())
	}
}

// TestLines checks the progress and total lines of a slow step, counted
// and uncounted.
func TestLines(t *testing.T) {
	for _, tc := range []struct {
		name, unit string
		progress   *regexp.Regexp
		total      *regexp.Regexp
	}{
		{"uncounted", "",
			regexp.MustCompile(`^testbed: building trustbridge \(the first build takes minutes; cached afterwards\)… [0-9]+m0s elapsed$`),
			regexp.MustCompile(`^testbed: building trustbridge: done in [0-9]+m0s$`)},
		{"counted", "packages compiled",
			regexp.MustCompile(`^testbed: building trustbridge \(the first build takes minutes; cached afterwards\)… 120 packages compiled, [0-9.]+/s, [0-9]+m0s elapsed$`),
			regexp.MustCompile(`^testbed: building trustbridge: done in [0-9]+m0s \(120 packages compiled\)$`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out lockedBuffer
			clock := &fakeClock{}
			r := Start(&out, "testbed: building trustbridge", Options{Interval: time.Millisecond,
				Note: "the first build takes minutes; cached afterwards", Unit: tc.unit, Now: clock.Now})
			r.Add(100)
			r.Add(20)
			for !r.Printed() {
				runtime.Gosched()
				time.Sleep(time.Millisecond)
			}
			elapsed := r.Stop("done")
			if again := r.Stop("done"); again != elapsed {
				t.Errorf("second Stop = %v, want %v", again, elapsed)
			}
			if r.Count() != 120 {
				t.Errorf("Count = %d", r.Count())
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) < 2 {
				t.Fatalf("output %q", out.String())
			}
			for _, l := range lines[:len(lines)-1] {
				if !tc.progress.MatchString(l) {
					t.Errorf("progress line %q does not match %s", l, tc.progress)
				}
			}
			if l := lines[len(lines)-1]; !tc.total.MatchString(l) {
				t.Errorf("total line %q does not match %s", l, tc.total)
			}
		})
	}
}

// TestNoLinesAfterStop: nothing is printed once Stop returned.
func TestNoLinesAfterStop(t *testing.T) {
	var out lockedBuffer
	r := Start(&out, "x", Options{Interval: time.Microsecond})
	for !r.Printed() {
		time.Sleep(time.Millisecond)
	}
	r.Stop("failed")
	n := out.String()
	time.Sleep(10 * time.Millisecond)
	if out.String() != n {
		t.Errorf("printed after Stop: %q", strings.TrimPrefix(out.String(), n))
	}
	if !strings.Contains(n, "\nx: failed in ") {
		t.Errorf("no total line in %q", n)
	}
}
