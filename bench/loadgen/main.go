// Command loadgen is trustbridge's benchmark harness: it prepares signed
// requests ahead of time (so signing never competes with the server for
// CPU), replays them over keep-alive connections against trustbridge and its
// peers, verifies a sample of the answers, and reports throughput, latency,
// CPU per request and peak memory of the server process.
//
// Subcommands:
//
//	loadgen issuer  -dir D -addr A          serve an OIDC issuer (discovery + JWKS over HTTPS)
//	loadgen tokens  -dir D -n N -aud A ...  mint N distinct service-account tokens
//	loadgen world   -dir D -roles N ...     write a world file for the benchmark
//	loadgen prepare -scenario S ...         write a request file
//	loadgen run     -requests F ...         replay a request file and print a JSON result
//	loadgen report  results/*.json          print the comparison table
//	loadgen floor   -addr A                 serve a fixed answer from bare net/http (the floor)
//
// scripts/bench.sh (make bench) drives them; docs/benchmarks.md explains
// the method.
//
// loadgen must only ever be pointed at servers on this machine (loopback):
// it is a load generator, and its request loops are bounded by -d and by
// the request file. It never logs a token, secret or signature; an error
// line quotes at most the start of the server's answer.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

func main() {
	// The generator's collections pause its own goroutines, which would be
	// counted as the server's latency; it has memory to spare.
	debug.SetGCPercent(400)
	if len(os.Args) < 2 {
		usage()
	}
	cmds := map[string]func([]string) error{
		"issuer":  cmdIssuer,
		"tokens":  cmdTokens,
		"world":   cmdWorld,
		"prepare": cmdPrepare,
		"run":     cmdRun,
		"report":  cmdReport,
		"floor":   cmdFloor,
	}
	f, ok := cmds[os.Args[1]]
	if !ok {
		usage()
	}
	if err := f(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen issuer|tokens|world|prepare|run|report|floor [flags]")
	os.Exit(2)
}
