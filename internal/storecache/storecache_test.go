package storecache

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
)

func TestCacheSeesLocalAndRemoteWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st1, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st1.Close()
	st2, err := sqlite.Open(ctx, dir, sqlite.Options{}) // a second replica on the same data
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	c := New(st1, Options{Now: clock, PollInterval: time.Second})
	if err := st1.CreateAccount(ctx, store.Account{ID: "123456789012"}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`
	if err := st1.CreateRole(ctx, store.Role{Account: "123456789012", Name: "App", Path: "/", RoleID: "AROAEXAMPLE0000000001", TrustPolicy: trust, MaxSessionDuration: 3600}); err != nil {
		t.Fatal(err)
	}
	c.Invalidate()
	r, err := c.Role(ctx, "aws", "123456789012", "app")
	if err != nil || r.Trust == nil || r.ARN != "arn:aws:iam::123456789012:role/App" {
		t.Fatalf("%+v %v", r, err)
	}
	// Another replica changes the role: within the poll interval the old
	// value may be served; after it, the new one is.
	if err := st2.UpdateRole(ctx, "123456789012", "App", func(r *store.Role) error { r.MaxSessionDuration = 7200; return nil }); err != nil {
		t.Fatal(err)
	}
	r, _ = c.Role(ctx, "aws", "123456789012", "App")
	if r.MaxSessionDuration != 3600 {
		t.Fatalf("cache refreshed before the poll interval: %d", r.MaxSessionDuration)
	}
	now.Add(int64(2 * time.Second))
	r, _ = c.Role(ctx, "aws", "123456789012", "App")
	if r.MaxSessionDuration != 7200 {
		t.Fatalf("remote write not seen after the poll interval: %d", r.MaxSessionDuration)
	}
	// A local write plus Invalidate is seen at once.
	if err := st1.DeleteRole(ctx, "123456789012", "App"); err != nil {
		t.Fatal(err)
	}
	c.Invalidate()
	if _, err := c.Role(ctx, "aws", "123456789012", "App"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted role still served: %v", err)
	}
}

func TestPrincipalPoliciesAndMissingBoundary(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := New(st, Options{})
	_ = st.CreateAccount(ctx, store.Account{ID: "123456789012"})
	_ = st.CreateUser(ctx, store.User{Account: "123456789012", Name: "u", Path: "/", UserID: "AIDAEXAMPLE0000000001"})
	_ = st.PutInlinePolicy(ctx, store.InlinePolicy{Owner: store.Principal{Kind: store.KindUser, Account: "123456789012", Name: "u"}, Name: "p",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
	c.Invalidate()
	pp, err := c.PrincipalPolicies(ctx, store.Principal{Kind: store.KindUser, Account: "123456789012", Name: "u"}, "arn:aws:iam::123456789012:policy/gone", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pp.Identity) != 1 || pp.Boundary == nil || pp.Boundary.Len() != 0 {
		t.Fatalf("identity %d boundary %v: a missing boundary must allow nothing", len(pp.Identity), pp.Boundary)
	}
}

// slowRevision widens the window in which a poll is in flight.
type slowRevision struct{ store.Store }

func (s slowRevision) Revision(ctx context.Context) (int64, error) {
	time.Sleep(200 * time.Microsecond)
	return s.Store.Revision(ctx)
}

// While other requests poll concurrently (and skip polls others are
// making), a read that follows a local write and Invalidate always sees
// the write.
func TestReadYourWritesUnderConcurrentPolls(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateAccount(ctx, store.Account{ID: "123456789012"}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`
	if err := st.CreateRole(ctx, store.Role{Account: "123456789012", Name: "App", Path: "/", RoleID: "AROAEXAMPLE0000000001", TrustPolicy: trust, MaxSessionDuration: 3600}); err != nil {
		t.Fatal(err)
	}
	c := New(slowRevision{st}, Options{PollInterval: time.Microsecond})
	stop := make(chan struct{})
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-stop:
					return
				default:
					_, _ = c.Role(ctx, "aws", "123456789012", "App")
				}
			}
		}()
	}
	defer func() {
		close(stop)
		for range 4 {
			<-done
		}
	}()
	for i := range 50 {
		want := int32(3600 + i + 1)
		if err := st.UpdateRole(ctx, "123456789012", "App", func(r *store.Role) error { r.MaxSessionDuration = want; return nil }); err != nil {
			t.Fatal(err)
		}
		c.Invalidate()
		r, err := c.Role(ctx, "aws", "123456789012", "App")
		if err != nil || int32(r.MaxSessionDuration) != want {
			t.Fatalf("write %d: read %v (%v) right after it", want, r.MaxSessionDuration, err)
		}
	}
}
