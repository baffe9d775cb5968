package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// DefaultInterval is how often a Reporter prints while its step runs.
const DefaultInterval = 30 * time.Second

// A Reporter prints progress of one step until Stop. Its methods are safe
// for concurrent use.
type Reporter struct {
	w     io.Writer
	what  string
	note  string
	unit  string
	start time.Time
	now   func() time.Time
	stop  chan struct{}
	done  chan struct{}

	mu      sync.Mutex
	count   int           // guarded by mu
	printed bool          // guarded by mu
	stopped bool          // guarded by mu
	elapsed time.Duration // guarded by mu; set by the first Stop
}

// Options configure Start. The zero value prints every DefaultInterval
// and counts nothing.
type Options struct {
	// Interval between progress lines; 0 means DefaultInterval.
	Interval time.Duration
	// Note is shown in parentheses on progress lines, for example "the
	// first build takes minutes; cached afterwards".
	Note string
	// Unit names what Add counts ("packages compiled"); "" means the
	// step is not counted and lines show only the elapsed time.
	Unit string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Start begins reporting the step described by what (for example
// "testbed: building trustbridge") on w: after each interval one line
//
//	<what> (<note>)… 1m0s elapsed
//	<what> (<note>)… 412 packages compiled, 6.9/s, 1m0s elapsed
//
// The caller must call Stop.
func Start(w io.Writer, what string, opts Options) *Reporter {
	interval := opts.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	r := &Reporter{w: w, what: what, note: opts.Note, unit: opts.Unit, now: now, start: now(), stop: make(chan struct{}), done: make(chan struct{})}
	go r.loop(interval)
	return r
}

func (r *Reporter) loop(interval time.Duration) {
	defer close(r.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.mu.Lock()
			if !r.stopped {
				note := ""
				if r.note != "" {
					note = " (" + r.note + ")"
				}
				fmt.Fprintf(r.w, "%s%s… %s\n", r.what, note, r.status(r.now().Sub(r.start)))
				r.printed = true
			}
			r.mu.Unlock()
		}
	}
}

// status is the counted part and the elapsed time. r.mu must be held.
func (r *Reporter) status(elapsed time.Duration) string {
	e := elapsed.Round(time.Second)
	if r.unit == "" {
		return e.String() + " elapsed"
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(r.count) / s
	}
	return fmt.Sprintf("%d %s, %.1f/s, %s elapsed", r.count, r.unit, rate, e)
}

// Add counts n more units done.
func (r *Reporter) Add(n int) {
	r.mu.Lock()
	r.count += n
	r.mu.Unlock()
}

// Count returns the units counted so far.
func (r *Reporter) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Stop ends the reporting and returns the step's duration. If any
// progress line was printed, it prints the total:
//
//	<what>: done in 9m12s (1650 packages compiled)
//
// with outcome "done" replaced by the caller's (for example "failed").
// A step that ended before the first interval prints nothing. Later calls
// do nothing and return the same duration.
func (r *Reporter) Stop(outcome string) time.Duration {
	r.mu.Lock()
	if r.stopped {
		elapsed := r.elapsed
		r.mu.Unlock()
		<-r.done
		return elapsed
	}
	r.stopped = true
	elapsed := r.now().Sub(r.start)
	r.elapsed = elapsed
	if r.printed {
		counted := ""
		if r.unit != "" {
			counted = fmt.Sprintf(" (%d %s)", r.count, r.unit)
		}
		fmt.Fprintf(r.w, "%s: %s in %s%s\n", r.what, outcome, elapsed.Round(100*time.Millisecond), counted)
	}
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	return elapsed
}

// Printed reports whether any progress line was printed.
func (r *Reporter) Printed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.printed
}
