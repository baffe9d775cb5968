package testbed

import (
	"bytes"
	"sync"
)

// A SyncBuffer is a bytes.Buffer safe for one writer (a subprocess's
// output) and concurrent readers (a test polling for a ready line).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
