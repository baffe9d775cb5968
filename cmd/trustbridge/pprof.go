//go:build pprof

package main

import (
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
	"runtime"
	"time"
)

// A binary built with -tags pprof serves Go's profiler on
// TRUSTBRIDGE_PPROF_ADDR (a loopback address, e.g. 127.0.0.1:6060). It is a
// developer's tool for profiling under load (docs/benchmarks.md); release
// builds never contain it.
func init() {
	addr := os.Getenv("TRUSTBRIDGE_PPROF_ADDR")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		os.Stderr.WriteString("trustbridge: pprof: " + err.Error() + "\n")
		return
	}
	// Contention too: /debug/pprof/mutex and /debug/pprof/block.
	runtime.SetMutexProfileFraction(10)
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	go http.Serve(ln, nil) //nolint:errcheck // profiling only
}
