package heapfloor

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

const mib = 1 << 20

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live, floor uint64
		want        int
	}{
		{live: 32 * mib, floor: 64 * mib, want: 100},  // default goal is the floor
		{live: 200 * mib, floor: 64 * mib, want: 100}, // a large world: Go's default
		{live: 16 * mib, floor: 64 * mib, want: 300},  // 16 × 4 = 64
		{live: 6 * mib, floor: 64 * mib, want: 967},   // rounded up: goal ≥ floor
		{live: 0, floor: 64 * mib, want: 100},         // before the first collection: Go's default
		{live: 10 * mib, floor: 0, want: 100},         // no floor
		{live: 6 * mib, floor: 6 * mib, want: 100},    // a floor below 2×live
		{live: 3 * mib, floor: 64 * mib, want: 1600},  // 4 MiB × 16: Go's minimum heap is the floor
		{live: 1, floor: 64 * mib, want: 1600},        // the same, however small the live heap
		{live: 1 * mib, floor: 5 * mib, want: 125},    // the minimum heap bounds it below the exact 400
		{live: 1, floor: 1 << 40, want: MaxPercent},   // bounded
	} {
		got := Percent(c.live, c.floor)
		if got != c.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", c.live, c.floor, got, c.want)
		}
		if got > DefaultPercent && got < MaxPercent {
			// Go's goal: the larger of live × (1 + GOGC/100) and the
			// minimum heap, 4 MiB × GOGC/100.
			goal := max(c.live+c.live*uint64(got)/100, minimumHeap*uint64(got)/100)
			if goal < c.floor {
				t.Errorf("Percent(%d, %d) = %d: goal %d below the floor", c.live, c.floor, got, goal)
			}
		}
	}
}

func TestChanged(t *testing.T) {
	for _, c := range []struct {
		current, p int
		want       bool
	}{
		{100, 100, false},
		{100, 101, true},
		{967, 100, true},
		{967, 1000, false},
		{967, 1100, true},
		{967, 800, true},
	} {
		if got := changed(c.current, c.p); got != c.want {
			t.Errorf("changed(%d, %d) = %v, want %v", c.current, c.p, got, c.want)
		}
	}
}

func gogc(t *testing.T) uint64 {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// unsetGOGC clears GOGC for the test and restores it afterwards.
func unsetGOGC(t *testing.T) {
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")
}

func TestRunRaisesAndRestores(t *testing.T) {
	unsetGOGC(t)
	before := gogc(t)
	runtime.GC() // so that the live heap is measured
	var mu sync.Mutex
	var changes []int
	tu := &Tuner{Floor: 1 << 40, Interval: 5 * time.Millisecond, OnChange: func(_ uint64, p int) {
		mu.Lock()
		defer mu.Unlock()
		changes = append(changes, p)
	}}
	if !tu.Enabled() {
		t.Fatal("Enabled() = false without GOGC in the environment")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); tu.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(changes)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tuner never changed GOGC")
		}
		time.Sleep(time.Millisecond)
	}
	if got := gogc(t); got != MaxPercent {
		t.Errorf("GOGC while running = %d, want %d (a 1 TiB floor)", got, MaxPercent)
	}
	cancel()
	<-done
	if got := gogc(t); got != before {
		t.Errorf("GOGC after Run = %d, want %d restored", got, before)
	}
}

func TestDisabled(t *testing.T) {
	t.Setenv("GOGC", "200")
	if (&Tuner{Floor: 64 * mib}).Enabled() {
		t.Error("Enabled() = true with GOGC set in the environment")
	}
	unsetGOGC(t)
	if (&Tuner{}).Enabled() {
		t.Error("Enabled() = true with no floor")
	}
	// Run returns at once when disabled.
	done := make(chan struct{})
	go func() { defer close(done); (&Tuner{}).Run(context.Background()) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run of a disabled tuner did not return")
	}
}
