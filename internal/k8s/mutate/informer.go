package mutate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// Defaults of InformerConfig.
const (
	DefaultGracePeriod   = 300 * time.Millisecond
	DefaultRetryInterval = 50 * time.Millisecond
)

// InformerConfig configures an InformerServiceAccounts.
type InformerConfig struct {
	// Namespace restricts the cache to one namespace; "" watches all.
	Namespace string
	// GracePeriod is how long Get keeps looking for a ServiceAccount that
	// neither the cache nor a direct GET found, polling the cache every
	// RetryInterval and doing a final direct GET, so a Pod created right
	// after its ServiceAccount is still mutated. Zero means
	// DefaultGracePeriod (300 ms); negative disables the retries (the
	// direct GET is still done).
	GracePeriod time.Duration
	// RetryInterval is the cache polling interval within GracePeriod.
	// Zero means DefaultRetryInterval (50 ms).
	RetryInterval time.Duration
	// ResyncPeriod is the informer's resync period; zero disables resyncs
	// (the watch keeps the cache current).
	ResyncPeriod time.Duration
	// Logger; if nil, slog.Default().
	Logger *slog.Logger
}

// InformerServiceAccounts is a ServiceAccounts backed by a client-go
// informer cache, with a direct API GET on a cache miss and a grace period
// for ServiceAccounts created an instant before their Pods (the most
// reported bug of the EKS webhook: such Pods were silently not mutated).
//
// It needs RBAC list and watch (the informer) and get (the fallback) on
// serviceaccounts. The cache keeps only each ServiceAccount's metadata
// without managedFields, so its memory stays small on large clusters.
type InformerServiceAccounts struct {
	client   kubernetes.Interface
	factory  informers.SharedInformerFactory
	informer cache.SharedIndexInformer
	lister   listerscorev1.ServiceAccountLister
	grace    time.Duration
	interval time.Duration
	log      *slog.Logger
	// sleep waits d or until ctx is done; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// NewInformerServiceAccounts returns an InformerServiceAccounts over
// client. Call Start before Get; until the cache has synced, every Get
// falls back to the API.
func NewInformerServiceAccounts(client kubernetes.Interface, cfg InformerConfig) *InformerServiceAccounts {
	opts := []informers.SharedInformerOption{}
	if cfg.Namespace != "" {
		opts = append(opts, informers.WithNamespace(cfg.Namespace))
	}
	factory := informers.NewSharedInformerFactoryWithOptions(client, cfg.ResyncPeriod, opts...)
	sai := factory.Core().V1().ServiceAccounts()
	inf := sai.Informer()
	// SetTransform fails only once the informer has started.
	_ = inf.SetTransform(trimServiceAccount)
	s := &InformerServiceAccounts{
		client:   client,
		factory:  factory,
		informer: inf,
		lister:   sai.Lister(),
		grace:    cfg.GracePeriod,
		interval: cfg.RetryInterval,
		log:      cfg.Logger,
		sleep:    sleepCtx,
	}
	if s.grace == 0 {
		s.grace = DefaultGracePeriod
	}
	if s.interval <= 0 {
		s.interval = DefaultRetryInterval
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// trimServiceAccount drops what the webhook never reads from cached
// ServiceAccounts.
func trimServiceAccount(obj any) (any, error) {
	if sa, ok := obj.(*corev1.ServiceAccount); ok {
		sa.ManagedFields = nil
		sa.Secrets = nil
		sa.ImagePullSecrets = nil
	}
	return obj, nil
}

// Start starts the informer; it runs until ctx is done. It does not wait
// for the cache to sync (see WaitForSync).
func (s *InformerServiceAccounts) Start(ctx context.Context) {
	s.factory.Start(ctx.Done())
}

// WaitForSync blocks until the cache has synced or ctx is done.
func (s *InformerServiceAccounts) WaitForSync(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), s.informer.HasSynced) {
		return errors.New("serviceaccount cache did not sync")
	}
	return nil
}

// Check reports whether the cache has synced; it is meant for a health
// check (webhook.Server.AddHealthCheck).
func (s *InformerServiceAccounts) Check(context.Context) error {
	if !s.informer.HasSynced() {
		return errors.New("serviceaccount cache not synced")
	}
	return nil
}

// Get implements ServiceAccounts: the cache first; on a miss a direct GET;
// if that finds nothing, the cache is polled for GracePeriod and a final
// direct GET is made before ErrNotFound is returned. A GET that fails for
// any other reason returns that error at once.
func (s *InformerServiceAccounts) Get(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	if sa, ok := s.cached(namespace, name); ok {
		return sa, nil
	}
	sa, err := s.direct(ctx, namespace, name)
	if !errors.Is(err, ErrNotFound) || s.grace < 0 {
		return sa, err
	}
	deadline := time.Now().Add(s.grace)
	for time.Until(deadline) > 0 {
		wait := min(s.interval, time.Until(deadline))
		if err := s.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("get serviceaccount %s/%s: %w", namespace, name, err)
		}
		if sa, ok := s.cached(namespace, name); ok {
			s.log.Debug("serviceaccount found in cache within the grace period", "namespace", namespace, "serviceAccount", name)
			return sa, nil
		}
	}
	return s.direct(ctx, namespace, name)
}

func (s *InformerServiceAccounts) cached(namespace, name string) (*corev1.ServiceAccount, bool) {
	if !s.informer.HasSynced() {
		return nil, false
	}
	sa, err := s.lister.ServiceAccounts(namespace).Get(name)
	if err != nil {
		return nil, false
	}
	return sa, true
}

func (s *InformerServiceAccounts) direct(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	sa, err := s.client.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		return sa, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("%w: %s/%s", ErrNotFound, namespace, name)
	default:
		return nil, fmt.Errorf("get serviceaccount %s/%s: %w", namespace, name, err)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
