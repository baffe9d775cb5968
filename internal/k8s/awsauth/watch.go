package awsauth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// ErrNotSynced is returned by a Watcher that has not yet read the
// ConfigMap from the cluster.
var ErrNotSynced = errors.New("aws-auth ConfigMap not yet read from the cluster")

// A Watcher keeps one cluster's kube-system/aws-auth ConfigMap parsed and
// current through a client-go informer (list, then watch). A deleted
// ConfigMap maps nothing. Use NewWatcher, then Run.
type Watcher struct {
	client kubernetes.Interface
	resync time.Duration

	// OnChange, if set before Run, is called after each change with the
	// newly parsed ConfigMap (nil when deleted), so the caller can log its
	// Problems. It must not block.
	OnChange func(*ConfigMap)

	cur    atomic.Pointer[ConfigMap]
	synced atomic.Bool
	ready  chan struct{}
	once   sync.Once
}

// NewWatcher returns a Watcher reading through client. resync, if
// non-zero, re-delivers the ConfigMap periodically (it is re-parsed).
func NewWatcher(client kubernetes.Interface, resync time.Duration) *Watcher {
	return &Watcher{client: client, resync: resync, ready: make(chan struct{})}
}

// Run watches until ctx is done. Call it once, in its own goroutine.
func (w *Watcher) Run(ctx context.Context) {
	sel := fields.OneTermEqualSelector("metadata.name", ConfigMapName).String()
	cms := w.client.CoreV1().ConfigMaps(ConfigMapNamespace)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = sel
			return cms.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = sel
			return cms.Watch(ctx, o)
		},
	}
	_, ctrl := cache.NewInformerWithOptions(cache.InformerOptions{
		// The wrapper tells the reflector whether the client supports
		// watch-list streaming (fake clients do not).
		ListerWatcher: cache.ToListWatcherWithWatchListSemantics(lw, w.client),
		ObjectType:    &corev1.ConfigMap{},
		ResyncPeriod:  w.resync,
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { w.set(obj) },
			UpdateFunc: func(_, obj any) { w.set(obj) },
			DeleteFunc: func(obj any) {
				if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name != ConfigMapName {
					return
				}
				w.store(nil)
			},
		},
	})
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), ctrl.HasSynced) {
			w.synced.Store(true)
			w.once.Do(func() { close(w.ready) })
		}
	}()
	ctrl.RunWithContext(ctx)
}

func (w *Watcher) set(obj any) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok || cm.Name != ConfigMapName || cm.Namespace != ConfigMapNamespace {
		return
	}
	w.store(ParseConfigMap(cm.Data))
}

func (w *Watcher) store(cm *ConfigMap) {
	w.cur.Store(cm)
	if w.OnChange != nil {
		w.OnChange(cm)
	}
}

// WaitForSync blocks until the first list completed or ctx is done, and
// reports which.
func (w *Watcher) WaitForSync(ctx context.Context) bool {
	select {
	case <-w.ready:
		return true
	case <-ctx.Done():
		return false
	}
}

// AWSAuth implements ConfigMapLookup for the watched cluster (the cluster
// argument is not consulted). Before the first list completes it returns
// ErrNotSynced, so nobody is mapped from an unread ConfigMap.
func (w *Watcher) AWSAuth(context.Context, string) (*ConfigMap, error) {
	if !w.synced.Load() {
		return nil, ErrNotSynced
	}
	return w.cur.Load(), nil
}
