// Package timedstore wraps a store.Store so that every call is timed into
// trustbridge_store_operation_duration_seconds{operation="<method>"}.
// The wrapper's methods are generated from the store.Store interface
// (go generate; gen.go), so it follows the interface as it grows.
//
// It must never change what the store does: no retries, no caching, no
// rewriting of arguments, results or errors, and no labels other than the
// method name (never keys, names or other values from the arguments).
package timedstore
