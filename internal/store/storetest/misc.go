package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// asciiFold is the suite's own statement of the case-folding rule.
func asciiFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func testPagination(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newAccount(t, s, acct2)
	paths := []string{"/a/", "/a/b/", "/c/"}
	type item struct{ name, path string }
	var items []item
	names := []string{"a_b", "A.b", "Z", "y", "zz", "A-1", "a0", "B", "b_", "Role+=,.@-x"}
	for i := range 13 {
		switch i % 3 {
		case 0:
			names = append(names, fmt.Sprintf("Role-%02d", i))
		case 1:
			names = append(names, fmt.Sprintf("role-%02d", i))
		default:
			names = append(names, fmt.Sprintf("ROLE-%02d", i))
		}
	}
	for i, n := range names {
		p := paths[i%3]
		newRole(t, s, acct, p, n)
		must(t, s.CreateUser(ctx, store.User{Account: acct, Name: n, Path: p, UserID: "AIDA" + n}))
		items = append(items, item{n, p})
	}
	newRole(t, s, acct2, "/a/", "other-account")
	sort.Slice(items, func(i, j int) bool { return asciiFold(items[i].name) < asciiFold(items[j].name) })

	expect := func(prefix string) []string {
		var out []string
		for _, it := range items {
			if prefix == "" || strings.HasPrefix(it.path, prefix) {
				out = append(out, it.name)
			}
		}
		return out
	}
	for _, prefix := range []string{"", "/", "/a/", "/a/b", "/c/", "/nope/", "/A/"} {
		for _, limit := range []int{1, 2, 5, 100} {
			t.Run(fmt.Sprintf("prefix=%q/limit=%d", prefix, limit), func(t *testing.T) {
				var roles, users []string
				opts := store.ListOptions{PathPrefix: prefix, Page: store.Page{Limit: limit}}
				for {
					page, next, err := s.ListRoles(ctx, acct, opts)
					must(t, err)
					if len(page) > limit {
						t.Fatalf("page of %d > limit %d", len(page), limit)
					}
					if next != "" && len(page) != limit {
						t.Fatalf("short page of %d with a next marker", len(page))
					}
					for _, r := range page {
						roles = append(roles, r.Name)
					}
					if next == "" {
						break
					}
					opts.Marker = next
				}
				opts.Marker = ""
				for {
					page, next, err := s.ListUsers(ctx, acct, opts)
					must(t, err)
					for _, u := range page {
						users = append(users, u.Name)
					}
					if next == "" {
						break
					}
					opts.Marker = next
				}
				want := expect(prefix)
				equal(t, "roles", roles, want)
				equal(t, "users", users, want)
			})
		}
	}

	// A marker stays valid while entities are created before it: the next
	// page continues after the last item seen.
	page, next, err := s.ListRoles(ctx, acct, store.ListOptions{Page: store.Page{Limit: 3}})
	must(t, err)
	newRole(t, s, acct, "/", "0-first")
	rest, _, err := s.ListRoles(ctx, acct, store.ListOptions{Page: store.Page{Marker: next}})
	must(t, err)
	if len(page)+len(rest) != len(items) || asciiFold(rest[0].Name) <= asciiFold(page[2].Name) {
		t.Fatalf("pages around a concurrent create: %d + %d items, want %d", len(page), len(rest), len(items))
	}

	for _, bad := range []string{"!", "bm90IGpzb24", "WyJhIiwiYiJd" /* two keys */} {
		_, _, err := s.ListRoles(ctx, acct, store.ListOptions{Page: store.Page{Marker: bad}})
		wantErr(t, err, store.ErrInvalid)
	}
	_, _, err = s.ListUsers(ctx, acct, store.ListOptions{Page: store.Page{Limit: -1}})
	wantErr(t, err, store.ErrInvalid)
	empty, next, err := s.ListRoles(ctx, "000000000000", store.ListOptions{})
	must(t, err)
	if len(empty) != 0 || next != "" {
		t.Fatalf("roles of an unknown account: %+v %q", empty, next)
	}
}

func testPaginationDefaultLimit(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	n := store.DefaultLimit + 5
	must(t, s.Tx(ctx, func(tx store.Store) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: acct}); err != nil {
			return err
		}
		for i := range n {
			if err := tx.CreateUser(ctx, store.User{Account: acct, Name: fmt.Sprintf("u%04d", i), UserID: fmt.Sprintf("AIDA%04d", i)}); err != nil {
				return err
			}
		}
		return nil
	}))
	page, next, err := s.ListUsers(ctx, acct, store.ListOptions{})
	must(t, err)
	if len(page) != store.DefaultLimit || next == "" {
		t.Fatalf("default page = %d users, next %q", len(page), next)
	}
	page, next, err = s.ListUsers(ctx, acct, store.ListOptions{Page: store.Page{Marker: next}})
	must(t, err)
	if len(page) != 5 || next != "" || page[4].Name != fmt.Sprintf("u%04d", n-1) {
		t.Fatalf("last page = %d users, next %q", len(page), next)
	}
}

func testDecisions(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	r0 := rev(t, s)
	future := time.Now().Add(time.Hour).UTC()
	d := store.Decision{RequestID: "req-1", Data: []byte(`{"decision":"deny","reason":"no statement"}`), Expires: future}
	must(t, s.PutDecision(ctx, d))
	got, err := s.GetDecision(ctx, "req-1")
	must(t, err)
	if got.RequestID != d.RequestID || !bytes.Equal(got.Data, d.Data) || !got.Expires.Equal(future) {
		t.Fatalf("decision = %+v", got)
	}
	d.Data = []byte(`{"decision":"allow"}`)
	must(t, s.PutDecision(ctx, d))
	got, err = s.GetDecision(ctx, "req-1")
	must(t, err)
	if string(got.Data) != `{"decision":"allow"}` {
		t.Fatalf("replaced decision = %s", got.Data)
	}
	_, err = s.GetDecision(ctx, "req-unknown")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityDecision)
	wantErr(t, s.PutDecision(ctx, store.Decision{}), store.ErrInvalid)

	// Expired decisions are not returned, and pruning deletes them.
	past := time.Now().Add(-time.Minute)
	for i := range 3 {
		must(t, s.PutDecision(ctx, store.Decision{RequestID: fmt.Sprintf("old-%d", i), Data: []byte("x"), Expires: past}))
	}
	_, err = s.GetDecision(ctx, "old-0")
	wantErr(t, err, store.ErrNotFound)
	n, err := s.PruneDecisions(ctx, time.Now())
	must(t, err)
	if n != 3 {
		t.Fatalf("pruned %d decisions, want 3", n)
	}
	n, err = s.PruneDecisions(ctx, time.Now())
	must(t, err)
	if n != 0 {
		t.Fatalf("pruned %d decisions twice", n)
	}
	if _, err := s.GetDecision(ctx, "req-1"); err != nil {
		t.Fatalf("pruning deleted a live decision: %v", err)
	}
	// Many puts prune on their own now and then.
	for i := range 600 {
		must(t, s.PutDecision(ctx, store.Decision{RequestID: fmt.Sprintf("bulk-%d", i), Expires: past}))
	}
	n, err = s.PruneDecisions(ctx, time.Now())
	must(t, err)
	if n >= 600 {
		t.Fatalf("puts never pruned: %d expired decisions left", n)
	}
	if r := rev(t, s); r != r0 {
		t.Fatalf("decisions bumped the revision %d -> %d", r0, r)
	}
}

func testRevision(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	last := rev(t, s)
	step := func(what string, wantChange bool, fn func() error) {
		t.Helper()
		_ = fn()
		r := rev(t, s)
		if wantChange && r <= last {
			t.Fatalf("%s: revision %d -> %d, want an increase", what, last, r)
		}
		if !wantChange && r != last {
			t.Fatalf("%s: revision %d -> %d, want no change", what, last, r)
		}
		last = r
	}
	step("create account", true, func() error { return s.CreateAccount(ctx, store.Account{ID: acct}) })
	step("read", false, func() error { _, err := s.GetAccount(ctx, acct); return err })
	step("failed create", false, func() error { return s.CreateAccount(ctx, store.Account{ID: acct}) })
	step("create role", true, func() error {
		return s.CreateRole(ctx, store.Role{Account: acct, Name: "r", RoleID: "AROAR"})
	})
	step("update role", true, func() error {
		return s.UpdateRole(ctx, acct, "r", func(r *store.Role) error { r.Description = "d"; return nil })
	})
	step("failed update", false, func() error {
		return s.UpdateRole(ctx, acct, "r", func(r *store.Role) error { return errors.New("no") })
	})
	step("update of a missing role", false, func() error {
		return s.UpdateRole(ctx, acct, "x", func(r *store.Role) error { return nil })
	})
	step("role use", false, func() error { return s.RecordRoleUse(ctx, acct, "r", store.RoleLastUsed{Date: at(1)}) })
	step("decision", false, func() error {
		return s.PutDecision(ctx, store.Decision{RequestID: "x", Expires: time.Now().Add(time.Hour)})
	})
	step("tx", true, func() error {
		return s.Tx(ctx, func(tx store.Store) error {
			if err := tx.CreateUser(ctx, store.User{Account: acct, Name: "u", UserID: "AIDAU"}); err != nil {
				return err
			}
			return tx.CreateUser(ctx, store.User{Account: acct, Name: "v", UserID: "AIDAV"})
		})
	})
	step("failed tx", false, func() error {
		return s.Tx(ctx, func(tx store.Store) error {
			if err := tx.CreateUser(ctx, store.User{Account: acct, Name: "w", UserID: "AIDAW"}); err != nil {
				return err
			}
			return errors.New("abort")
		})
	})
	step("delete", true, func() error { return s.DeleteUser(ctx, acct, "u") })
	step("failed delete", false, func() error { return s.DeleteUser(ctx, acct, "u") })
}

var errBoom = errors.New("boom from the updater")

func testUpdaterErrorRollsBack(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newUser(t, s, acct, "alice")
	newRole(t, s, acct, "/", "r")
	must(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIA1", Account: acct, UserName: "alice"}))
	p := newPolicy(t, s, acct, "/", "p", "{}")
	must(t, s.CreateOIDCProvider(ctx, store.OIDCProvider{Account: acct, URL: "issuer"}))
	c := testCluster("dev")
	must(t, s.CreateCluster(ctx, c))
	must(t, s.CreateAccessEntry(ctx, store.AccessEntry{Cluster: c.ClusterRef, PrincipalARN: "arn:p"}))
	must(t, s.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: c.ClusterRef, AssociationID: "a-1", Namespace: "n", ServiceAccount: "s"}))

	tests := []struct {
		name   string
		update func() error
		check  func() bool // reports whether the entity is unchanged
	}{
		{"account", func() error {
			return s.UpdateAccount(ctx, acct, func(a *store.Account) error { a.Alias = "changed"; return errBoom })
		}, func() bool { a, _ := s.GetAccount(ctx, acct); return a.Alias != "changed" }},
		{"user rename", func() error {
			return s.UpdateUser(ctx, acct, "alice", func(u *store.User) error { u.Name = "bob"; u.Path = "/x/"; return errBoom })
		}, func() bool { u, err := s.GetUser(ctx, acct, "alice"); return err == nil && u.Path == "/" }},
		{"access key", func() error {
			return s.UpdateAccessKey(ctx, "AKIA1", func(k *store.AccessKey) error { k.Status = store.StatusInactive; return errBoom })
		}, func() bool { k, _ := s.GetAccessKey(ctx, "AKIA1"); return k.Status == store.StatusActive }},
		{"role", func() error {
			return s.UpdateRole(ctx, acct, "r", func(r *store.Role) error { r.TrustPolicy = "changed"; return errBoom })
		}, func() bool { r, _ := s.GetRole(ctx, acct, "r"); return r.TrustPolicy != "changed" }},
		{"policy", func() error {
			return s.UpdatePolicy(ctx, p.ARN, func(p *store.ManagedPolicy) error { p.Description = "changed"; return errBoom })
		}, func() bool { p, _ := s.GetPolicy(ctx, p.ARN); return p.Description != "changed" }},
		{"OIDC provider", func() error {
			return s.UpdateOIDCProvider(ctx, acct, "issuer", func(p *store.OIDCProvider) error { p.ClientIDs = []string{"changed"}; return errBoom })
		}, func() bool { p, _ := s.GetOIDCProvider(ctx, acct, "issuer"); return len(p.ClientIDs) == 0 }},
		{"cluster", func() error {
			return s.UpdateCluster(ctx, c.ClusterRef, func(c *store.Cluster) error { c.Status = "changed"; return errBoom })
		}, func() bool { c, _ := s.GetCluster(ctx, c.ClusterRef); return c.Status != "changed" }},
		{"access entry", func() error {
			return s.UpdateAccessEntry(ctx, c.ClusterRef, "arn:p", func(e *store.AccessEntry) error { e.Username = "changed"; return errBoom })
		}, func() bool { e, _ := s.GetAccessEntry(ctx, c.ClusterRef, "arn:p"); return e.Username != "changed" }},
		{"pod identity association", func() error {
			return s.UpdatePodIdentityAssociation(ctx, c.ClusterRef, "a-1", func(a *store.PodIdentityAssociation) error { a.RoleARN = "changed"; return errBoom })
		}, func() bool {
			a, _ := s.GetPodIdentityAssociation(ctx, c.ClusterRef, "a-1")
			return a.RoleARN != "changed"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r0 := rev(t, s)
			if err := tc.update(); err != errBoom { //nolint:errorlint // the updater's error must come back unchanged
				t.Fatalf("error = %v, want the updater's error unchanged", err)
			}
			if !tc.check() {
				t.Fatal("the failed update was written")
			}
			if r := rev(t, s); r != r0 {
				t.Fatalf("a failed update bumped the revision %d -> %d", r0, r)
			}
		})
	}
}

func testImmutableFields(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newUser(t, s, acct, "alice")
	orig := newRole(t, s, acct, "/p/", "r")
	roleTests := []struct {
		name string
		fn   func(*store.Role)
	}{
		{"account", func(r *store.Role) { r.Account = acct2 }},
		{"name", func(r *store.Role) { r.Name = "other" }},
		{"name case", func(r *store.Role) { r.Name = "R" }},
		{"path", func(r *store.Role) { r.Path = "/" }},
		{"role ID", func(r *store.Role) { r.RoleID = "AROAX" }},
		{"create date", func(r *store.Role) { r.CreateDate = at(99) }},
	}
	for _, tc := range roleTests {
		t.Run("role "+tc.name, func(t *testing.T) {
			wantErr(t, s.UpdateRole(ctx, acct, "r", func(r *store.Role) error { tc.fn(r); return nil }), store.ErrInvalid)
			got, err := s.GetRole(ctx, acct, "r")
			must(t, err)
			equal(t, "role", got, orig)
		})
	}
	userTests := []struct {
		name string
		fn   func(*store.User)
	}{
		{"account", func(u *store.User) { u.Account = acct2 }},
		{"user ID", func(u *store.User) { u.UserID = "AIDAX" }},
		{"create date", func(u *store.User) { u.CreateDate = at(99) }},
		{"empty name", func(u *store.User) { u.Name = "" }},
	}
	for _, tc := range userTests {
		t.Run("user "+tc.name, func(t *testing.T) {
			wantErr(t, s.UpdateUser(ctx, acct, "alice", func(u *store.User) error { tc.fn(u); return nil }), store.ErrInvalid)
			if _, err := s.GetUser(ctx, acct, "alice"); err != nil {
				t.Fatal(err)
			}
		})
	}
	wantErr(t, s.UpdateAccount(ctx, acct, func(a *store.Account) error { a.ID = acct2; return nil }), store.ErrInvalid)
}

func testTx(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	// A committed Tx makes all its writes visible, and reads inside see them.
	must(t, s.Tx(ctx, func(tx store.Store) error {
		if err := tx.CreateAccount(ctx, store.Account{ID: acct}); err != nil {
			return err
		}
		if err := tx.CreateRole(ctx, store.Role{Account: acct, Name: "r", RoleID: "AROAR"}); err != nil {
			return err
		}
		if _, err := tx.GetRole(ctx, acct, "R"); err != nil {
			return fmt.Errorf("read inside tx: %w", err)
		}
		// Expected failures inside a Tx do not doom it.
		if err := tx.CreateRole(ctx, store.Role{Account: acct, Name: "R", RoleID: "AROAR2"}); !errors.Is(err, store.ErrAlreadyExists) {
			return fmt.Errorf("duplicate inside tx: %v", err)
		}
		if _, err := tx.GetRole(ctx, acct, "missing"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing inside tx: %v", err)
		}
		if err := tx.DeleteAccount(ctx, acct); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("conflict inside tx: %v", err)
		}
		if err := tx.Close(); err == nil {
			return errors.New("Close inside Tx succeeded")
		}
		// Tx on the transaction's store runs inline.
		return tx.Tx(ctx, func(inner store.Store) error {
			return inner.CreateUser(ctx, store.User{Account: acct, Name: "u", UserID: "AIDAU"})
		})
	}))
	if _, err := s.GetRole(ctx, acct, "r"); err != nil {
		t.Fatalf("role from committed tx: %v", err)
	}
	if _, err := s.GetUser(ctx, acct, "u"); err != nil {
		t.Fatalf("user from nested tx: %v", err)
	}

	// A failed Tx writes nothing and returns fn's error unchanged.
	err := s.Tx(ctx, func(tx store.Store) error {
		if err := tx.CreateRole(ctx, store.Role{Account: acct, Name: "gone", RoleID: "AROAGONE"}); err != nil {
			return err
		}
		if err := tx.UpdateRole(ctx, acct, "r", func(r *store.Role) error { r.Description = "changed"; return nil }); err != nil {
			return err
		}
		return errBoom
	})
	if err != errBoom { //nolint:errorlint // fn's error must come back unchanged
		t.Fatalf("Tx error = %v, want fn's error", err)
	}
	_, err = s.GetRole(ctx, acct, "gone")
	wantErr(t, err, store.ErrNotFound)
	r, err := s.GetRole(ctx, acct, "r")
	must(t, err)
	if r.Description == "changed" {
		t.Fatal("update inside a failed Tx was written")
	}
}

// race runs fn concurrently n times and returns the errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// exactlyOne fails unless one error is nil and all others are ErrAlreadyExists.
func exactlyOne(t *testing.T, what string, errs []error) {
	t.Helper()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, store.ErrAlreadyExists):
		default:
			t.Fatalf("%s: unexpected error %v", what, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%s: %d creates won, want exactly 1", what, wins)
	}
}

func testConcurrentCreates(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	c := testCluster("dev")
	must(t, s.CreateCluster(ctx, c))
	const n = 8
	for round := range 3 {
		name := fmt.Sprintf("Racer%d", round)
		exactlyOne(t, "role", race(n, func(i int) error {
			// Different cases of one name, different IDs.
			nm := name
			if i%2 == 1 {
				nm = strings.ToUpper(name)
			}
			return s.CreateRole(ctx, store.Role{Account: acct, Name: nm, RoleID: fmt.Sprintf("AROA%d-%d", round, i)})
		}))
		exactlyOne(t, "user", race(n, func(i int) error {
			return s.CreateUser(ctx, store.User{Account: acct, Name: name, UserID: fmt.Sprintf("AIDA%d-%d", round, i)})
		}))
		exactlyOne(t, "access key", race(n, func(i int) error {
			return s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIA" + name, Account: acct, SecretCiphertext: []byte{byte(i)}})
		}))
		exactlyOne(t, "policy", race(n, func(i int) error {
			return s.CreatePolicy(ctx, store.ManagedPolicy{ARN: policyARN(acct, fmt.Sprintf("/p%d/", i), name), Account: acct, Name: name,
				PolicyID: fmt.Sprintf("ANPA%d-%d", round, i), DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1", Document: "{}"}}})
		}))
		exactlyOne(t, "pod identity association", race(n, func(i int) error {
			return s.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: c.ClusterRef, AssociationID: fmt.Sprintf("a-%d-%d", round, i),
				Namespace: "ns", ServiceAccount: name})
		}))
		exactlyOne(t, "access entry", race(n, func(i int) error {
			return s.CreateAccessEntry(ctx, store.AccessEntry{Cluster: c.ClusterRef, PrincipalARN: "arn:aws:iam::111122223333:role/" + name})
		}))
	}
	roles, _, err := s.ListRoles(ctx, acct, store.ListOptions{})
	must(t, err)
	if len(roles) != 3 {
		t.Fatalf("%d roles after the races, want 3", len(roles))
	}
}

func testConcurrentUpdates(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	must(t, s.CreateRole(ctx, store.Role{Account: acct, Name: "counter", RoleID: "AROACOUNTER"}))
	const workers, each = 6, 5
	errs := race(workers, func(int) error {
		for range each {
			err := s.UpdateRole(ctx, acct, "counter", func(r *store.Role) error {
				r.MaxSessionDuration++
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		must(t, err)
	}
	r, err := s.GetRole(ctx, acct, "counter")
	must(t, err)
	if r.MaxSessionDuration != workers*each {
		t.Fatalf("counter = %d after %d concurrent increments: updates were lost", r.MaxSessionDuration, workers*each)
	}
}

func testErrors(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newRole(t, s, acct, "/", "Admin")
	err := s.CreateRole(ctx, store.Role{Account: acct, Name: "admin", RoleID: "AROAX", TrustPolicy: `{"secret-looking":"document"}`})
	var se *store.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *store.Error", err)
	}
	if se.Err != store.ErrAlreadyExists || se.Entity != store.EntityRole || se.Name != "admin" { //nolint:errorlint // sentinel identity
		t.Fatalf("error = %+v", se)
	}
	if strings.Contains(err.Error(), "secret-looking") {
		t.Fatalf("error message carries the document: %v", err)
	}
	_, err = s.GetRole(ctx, acct, "ghost")
	if !errors.As(err, &se) || se.Name != "ghost" || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("not-found error = %v", err)
	}
	// Secrets never reach error text.
	must(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIASECRET", Account: acct, SecretCiphertext: []byte("CIPHERTEXT")}))
	err = s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIASECRET", Account: acct, SecretCiphertext: []byte("CIPHERTEXT")})
	if err == nil || strings.Contains(err.Error(), "CIPHERTEXT") {
		t.Fatalf("duplicate key error = %v", err)
	}
}
