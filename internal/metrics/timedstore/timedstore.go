package timedstore

//go:generate go run gen.go

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trustbridge/trustbridge/internal/store"
)

// Store is a store.Store that observes the duration of every call in a
// histogram labelled with the method name (the operation). Calls inside a
// transaction are timed too, and so is the transaction as a whole ("Tx").
// It adds one clock read pair and one histogram observation per call; it
// never changes arguments, results or errors.
type Store struct {
	next store.Store
	obs  *[numOps]prometheus.Observer
}

var _ store.Store = (*Store)(nil)

// New returns next timed into h, which must have exactly one label, the
// operation. The observers are resolved once, so the hot path does no
// label lookup.
func New(next store.Store, h *prometheus.HistogramVec) *Store {
	obs := new([numOps]prometheus.Observer)
	for i, op := range operations {
		obs[i] = h.WithLabelValues(op)
	}
	return &Store{next: next, obs: obs}
}

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() store.Store { return s.next }
