// Package heapfloor keeps the Go garbage collector's heap goal at or above
// a floor, so a server whose live heap is small does not collect many
// times a second.
//
// Go's collector (GOGC=100) lets the heap grow to twice the live heap
// before collecting again. trustbridge's live heap with a small world is a
// few megabytes while every request allocates a few kilobytes, so at
// 20,000 requests a second the collector would run ~15 times a second and
// take 10–20 % of the CPU. A Tuner raises GOGC while the live heap is below
// half the floor, so that the heap goal is the floor, and puts it back to
// 100 once the live heap is large enough on its own: a large world (live
// heap ≥ floor/2) is collected exactly as Go's default would, so the floor
// costs at most Floor bytes of extra memory, never a multiple of the
// world's size. This is the same idea as a memory "ballast", without its
// cost on large heaps.
//
// An operator who sets GOGC in the environment has chosen a policy; the
// Tuner then does nothing. GOMEMLIMIT keeps working as documented (the
// runtime collects when the limit is near, whatever GOGC says).
package heapfloor

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// DefaultFloorMiB is trustbridge serve's default floor, in MiB
// (--gc-heap-floor-mib).
const DefaultFloorMiB = 64

// DefaultPercent is Go's default GOGC.
const DefaultPercent = 100

// minimumHeap is the Go runtime's minimum heap goal at GOGC=100
// (defaultHeapMinimum in runtime/mgcpacer.go); it scales with GOGC.
const minimumHeap = 4 << 20

// MaxPercent bounds the GOGC a Tuner sets, however small the live heap.
const MaxPercent = 5000

// Percent returns the GOGC that makes the heap goal of a live heap of
// live bytes at least floor bytes: DefaultPercent when the default goal
// (2×live) already reaches the floor, more otherwise, and never more than
// MaxPercent. Go's heap goal is also never below 4 MiB × GOGC/100 (the
// runtime's minimum heap scales with GOGC), so Percent never exceeds
// floor / 4 MiB × 100 either: the goal stays at the floor rather than
// above it when the live heap is tiny. live of 0 means no collection has measured the live heap
// yet, and gets DefaultPercent: Go's minimum heap goal grows with GOGC, so
// a guess would let start-up (applying a large world) grow the heap
// unchecked.
func Percent(live, floor uint64) int {
	if live == 0 || floor <= 2*live {
		return DefaultPercent
	}
	// goal = live × (1 + p/100) ≥ floor  ⇔  p ≥ 100 × (floor − live) / live.
	p := (100*(floor-live) + live - 1) / live
	p = min(p, MaxPercent, 100*floor/minimumHeap)
	return int(max(p, DefaultPercent))
}

// A Tuner keeps the heap goal at or above Floor bytes.
type Tuner struct {
	// Floor is the heap goal, in bytes, below which the Tuner raises GOGC.
	// 0 disables the Tuner.
	Floor uint64
	// Interval is how often the live heap is read. 0 means one second.
	Interval time.Duration
	// OnChange, if set, is called after each change of GOGC.
	OnChange func(live uint64, percent int)
}

// Enabled reports whether Run would tune anything: a floor is set and
// GOGC is not set in the environment.
func (t *Tuner) Enabled() bool {
	_, set := os.LookupEnv("GOGC")
	return t.Floor > 0 && !set
}

// Run tunes GOGC until ctx ends, then restores the GOGC it found. It
// returns at once when the Tuner is not Enabled.
func (t *Tuner) Run(ctx context.Context) {
	if !t.Enabled() {
		return
	}
	interval := t.Interval
	if interval <= 0 {
		interval = time.Second
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	initial := debug.SetGCPercent(DefaultPercent)
	defer debug.SetGCPercent(initial)
	current := DefaultPercent
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		metrics.Read(sample)
		var live uint64
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = sample[0].Value.Uint64()
		}
		if p := Percent(live, t.Floor); changed(current, p) {
			debug.SetGCPercent(p)
			current = p
			if t.OnChange != nil {
				t.OnChange(live, p)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// changed reports whether p differs from the current GOGC by enough to be
// worth setting: 10 %, or any move to or from the default.
func changed(current, p int) bool {
	if p == current {
		return false
	}
	if p == DefaultPercent || current == DefaultPercent {
		return true
	}
	d := p - current
	if d < 0 {
		d = -d
	}
	return d*10 >= current
}
