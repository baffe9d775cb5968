package mutate

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// countGets counts direct GETs of serviceaccounts on the fake clientset.
func countGets(c *fake.Clientset) *atomic.Int32 {
	var n atomic.Int32
	c.PrependReactor("get", "serviceaccounts", func(k8stesting.Action) (bool, runtime.Object, error) {
		n.Add(1)
		return false, nil, nil // fall through to the object tracker
	})
	return &n
}

func startInformer(t *testing.T, c *fake.Clientset, cfg InformerConfig) *InformerServiceAccounts {
	t.Helper()
	cfg.Logger = quietLogger()
	s := NewInformerServiceAccounts(c, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s.Start(ctx)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := s.WaitForSync(wctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func withManagedFields(o *corev1.ServiceAccount) *corev1.ServiceAccount {
	o.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	o.Secrets = []corev1.ObjectReference{{Name: "old-token"}}
	return o
}

func TestInformerCacheHit(t *testing.T) {
	c := fake.NewClientset(withManagedFields(sa("app", "role-arn", testRole)))
	gets := countGets(c)
	s := startInformer(t, c, InformerConfig{})
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(context.Background(), "apps", "app")
	if err != nil {
		t.Fatal(err)
	}
	if got.Annotations["eks.amazonaws.com/role-arn"] != testRole {
		t.Errorf("annotations %v", got.Annotations)
	}
	if got.ManagedFields != nil || got.Secrets != nil {
		t.Error("cache kept managedFields or secrets")
	}
	if n := gets.Load(); n != 0 {
		t.Errorf("%d direct GETs for a cached ServiceAccount", n)
	}
}

func TestInformerNotSyncedFallsBackToAPI(t *testing.T) {
	c := fake.NewClientset(sa("app", "role-arn", testRole))
	gets := countGets(c)
	s := NewInformerServiceAccounts(c, InformerConfig{Logger: quietLogger()})
	// Not started: the cache is empty and unsynced.
	if err := s.Check(context.Background()); err == nil {
		t.Error("Check passed before sync")
	}
	got, err := s.Get(context.Background(), "apps", "app")
	if err != nil || got.Name != "app" {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("%d direct GETs, want 1", n)
	}
}

func TestInformerCacheMissDirectGet(t *testing.T) {
	c := fake.NewClientset()
	s := startInformer(t, c, InformerConfig{})
	// Create the ServiceAccount behind the informer's back: the object
	// tracker has it but no watch event has been delivered yet.
	if err := c.Tracker().Add(sa("late", "role-arn", testRole)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(context.Background(), "apps", "late")
	if err != nil || got.Name != "late" {
		t.Fatalf("Get = %v, %v", got, err)
	}
}

func TestInformerGracePeriod(t *testing.T) {
	t.Run("created during the grace period", func(t *testing.T) {
		c := fake.NewClientset()
		gets := countGets(c)
		s := startInformer(t, c, InformerConfig{GracePeriod: 30 * time.Second})
		var sleeps atomic.Int32
		s.sleep = func(ctx context.Context, d time.Duration) error {
			if sleeps.Add(1) == 1 {
				// The ServiceAccount appears while the webhook waits.
				if _, err := c.CoreV1().ServiceAccounts("apps").Create(ctx, sa("racing", "role-arn", testRole), metav1.CreateOptions{}); err != nil {
					return err
				}
			}
			return sleepCtx(ctx, time.Millisecond)
		}
		got, err := s.Get(context.Background(), "apps", "racing")
		if err != nil || got.Name != "racing" {
			t.Fatalf("Get = %v, %v", got, err)
		}
		if sleeps.Load() == 0 || gets.Load() == 0 {
			t.Errorf("sleeps %d gets %d", sleeps.Load(), gets.Load())
		}
	})
	t.Run("never created", func(t *testing.T) {
		c := fake.NewClientset()
		gets := countGets(c)
		s := startInformer(t, c, InformerConfig{GracePeriod: 20 * time.Millisecond, RetryInterval: 5 * time.Millisecond})
		_, err := s.Get(context.Background(), "apps", "ghost")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		// The first GET and the final one.
		if n := gets.Load(); n != 2 {
			t.Errorf("%d direct GETs, want 2", n)
		}
	})
	t.Run("grace disabled", func(t *testing.T) {
		c := fake.NewClientset()
		gets := countGets(c)
		s := startInformer(t, c, InformerConfig{GracePeriod: -1})
		s.sleep = func(context.Context, time.Duration) error { t.Error("slept"); return nil }
		if _, err := s.Get(context.Background(), "apps", "ghost"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
		if n := gets.Load(); n != 1 {
			t.Errorf("%d direct GETs, want 1", n)
		}
	})
	t.Run("context cancelled while waiting", func(t *testing.T) {
		c := fake.NewClientset()
		s := startInformer(t, c, InformerConfig{GracePeriod: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		s.sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return sleepCtx(ctx, d)
		}
		_, err := s.Get(ctx, "apps", "ghost")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestInformerAPIError(t *testing.T) {
	c := fake.NewClientset()
	c.PrependReactor("get", "serviceaccounts", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "serviceaccounts"}, "app", errors.New("rbac"))
	})
	s := startInformer(t, c, InformerConfig{})
	_, err := s.Get(context.Background(), "apps", "app")
	if err == nil || errors.Is(err, ErrNotFound) || !apierrors.IsForbidden(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestInformerNamespaced(t *testing.T) {
	other := sa("app", "role-arn", testRole)
	other.Namespace = "other"
	c := fake.NewClientset(sa("app", "role-arn", testRole), other)
	gets := countGets(c)
	s := startInformer(t, c, InformerConfig{Namespace: "apps"})
	if _, err := s.Get(context.Background(), "apps", "app"); err != nil {
		t.Fatal(err)
	}
	if gets.Load() != 0 {
		t.Error("cached namespace needed a GET")
	}
	if _, err := s.Get(context.Background(), "other", "app"); err != nil {
		t.Fatal(err)
	}
	if gets.Load() != 1 {
		t.Error("other namespace was not fetched directly")
	}
}

// TestInformerWithMutator runs the mutator over the informer: a Pod created
// right after its ServiceAccount is mutated.
func TestInformerWithMutator(t *testing.T) {
	c := fake.NewClientset()
	s := startInformer(t, c, InformerConfig{})
	m, err := New(Config{}, s, nil, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "sa-" + string(rune('a'+i))
			if _, err := c.CoreV1().ServiceAccounts("apps").Create(context.Background(), sa(name, "role-arn", testRole), metav1.CreateOptions{}); err != nil {
				t.Error(err)
				return
			}
			pod := []byte(`{"metadata":{"generateName":"p-"},"spec":{"serviceAccountName":"` + name + `","containers":[{"name":"a"}]}}`)
			res, err := m.MutatePod(context.Background(), "apps", pod)
			if err != nil || res.Mode != ModeIRSA {
				t.Errorf("%s: mode %s (%s), err %v", name, res.Mode, res.Reason, err)
			}
		}()
	}
	wg.Wait()
}
