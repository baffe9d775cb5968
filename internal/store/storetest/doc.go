// Package storetest is the conformance suite every store.Store
// implementation passes (the dex storage/conformance pattern). A backend's
// test calls Run with a constructor of empty stores, RunPersistent with a
// constructor of locations that can be opened several times (restart,
// replicas, concurrent migrations), and RunCrash for durability against
// kill -9.
//
// The suite only uses the store.Store interface. It must never depend on a
// particular backend, and never put a timing threshold in a test.
package storetest
