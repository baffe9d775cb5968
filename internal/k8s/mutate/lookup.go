package mutate

import (
	"context"
	"errors"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// ErrNotFound is returned (possibly wrapped) by a ServiceAccounts when the
// ServiceAccount does not exist.
var ErrNotFound = errors.New("serviceaccount not found")

// ServiceAccounts reads ServiceAccounts. Get returns ErrNotFound (or an
// error wrapping it) when the ServiceAccount does not exist, and any other
// error when the lookup failed. The returned object may be shared with a
// cache and must not be modified. Implementations must be safe for
// concurrent use.
type ServiceAccounts interface {
	Get(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error)
}

// Associations looks up pod identity associations in trustbridge's store.
// Lookup returns the association's role ARN and ok=true when the
// ServiceAccount namespace/serviceAccount of cluster has one, ok=false when
// it has none, and an error when the store could not answer. The
// integrator implements it over the store; it must be safe for concurrent
// use.
type Associations interface {
	Lookup(ctx context.Context, cluster, namespace, serviceAccount string) (roleARN string, ok bool, err error)
}

// StaticServiceAccounts is an in-memory ServiceAccounts for tests and
// fixed setups. The zero value is empty and ready to use.
type StaticServiceAccounts struct {
	mu  sync.RWMutex // guards m and err
	m   map[string]*corev1.ServiceAccount
	err error
}

// NewStaticServiceAccounts returns a StaticServiceAccounts holding sas.
func NewStaticServiceAccounts(sas ...*corev1.ServiceAccount) *StaticServiceAccounts {
	s := &StaticServiceAccounts{}
	for _, sa := range sas {
		s.Put(sa)
	}
	return s
}

// Put adds or replaces sa (keyed by its namespace and name).
func (s *StaticServiceAccounts) Put(sa *corev1.ServiceAccount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*corev1.ServiceAccount{}
	}
	s.m[sa.Namespace+"/"+sa.Name] = sa
}

// SetError makes every Get fail with err (nil restores normal behaviour).
func (s *StaticServiceAccounts) SetError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Get implements ServiceAccounts.
func (s *StaticServiceAccounts) Get(_ context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.err != nil {
		return nil, s.err
	}
	sa, ok := s.m[namespace+"/"+name]
	if !ok {
		return nil, ErrNotFound
	}
	return sa, nil
}

// StaticAssociations is an in-memory Associations for tests and fixed
// setups, keyed by cluster, namespace and ServiceAccount. The zero value
// is empty and ready to use.
type StaticAssociations struct {
	mu  sync.RWMutex // guards m and err
	m   map[[3]string]string
	err error
}

// Put records an association of cluster/namespace/serviceAccount to roleARN.
func (a *StaticAssociations) Put(cluster, namespace, serviceAccount, roleARN string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[[3]string]string{}
	}
	a.m[[3]string{cluster, namespace, serviceAccount}] = roleARN
}

// SetError makes every Lookup fail with err (nil restores normal behaviour).
func (a *StaticAssociations) SetError(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err = err
}

// Lookup implements Associations.
func (a *StaticAssociations) Lookup(_ context.Context, cluster, namespace, serviceAccount string) (string, bool, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.err != nil {
		return "", false, a.err
	}
	arn, ok := a.m[[3]string{cluster, namespace, serviceAccount}]
	return arn, ok, nil
}
