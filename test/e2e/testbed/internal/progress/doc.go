// Package progress tells a person watching a terminal or a `go test` run
// that a long step of the test bed (a cold build that compiles Kubernetes,
// etcd or trustbridge for minutes) is still going: a line every interval
// with the elapsed time and, when the caller can count, how much is done
// and at what rate, and the total time when it ends.
//
// It writes straight to the writer it is given (os.Stderr in practice:
// `go test` buffers a test's own output until the test ends, which would
// defeat the purpose). It has no dependencies beyond the standard library
// so that the prebuild command can use it without compiling Kubernetes
// first. It must never print anything for a step that ends before the
// first interval (the warm path stays silent and is not slowed), and never
// print anything but the step's description, counts and durations.
package progress
