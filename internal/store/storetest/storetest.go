package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// Run runs the conformance suite. newStore must return a new, empty store
// each time it is called and arrange (t.Cleanup) for it to be closed.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Accounts", testAccounts},
		{"Users", testUsers},
		{"UserRename", testUserRename},
		{"AccessKeys", testAccessKeys},
		{"Roles", testRoles},
		{"CaseInsensitiveNames", testCaseInsensitiveNames},
		{"InlinePolicies", testInlinePolicies},
		{"ManagedPolicies", testManagedPolicies},
		{"PolicyVersions", testPolicyVersions},
		{"Attachments", testAttachments},
		{"ListPolicies", testListPolicies},
		{"PrincipalPolicies", testPrincipalPolicies},
		{"Pagination", testPagination},
		{"PaginationDefaultLimit", testPaginationDefaultLimit},
		{"OIDCProviders", testOIDCProviders},
		{"Clusters", testClusters},
		{"AccessEntries", testAccessEntries},
		{"PodIdentityAssociations", testPodIdentityAssociations},
		{"Decisions", testDecisions},
		{"Revision", testRevision},
		{"UpdaterErrorRollsBack", testUpdaterErrorRollsBack},
		{"ImmutableFields", testImmutableFields},
		{"Tx", testTx},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"Errors", testErrors},
		{"BulkLoad", testBulkLoad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// Fixture values shared by the tests.
const (
	acct  = "111122223333"
	acct2 = "444455556666"
)

// at returns a distinct, non-round instant n seconds after a base time, in
// UTC with nanoseconds, as stores must return it.
func at(n int) time.Time {
	return time.Date(2024, 5, 17, 10, 30, 0, 123456789, time.UTC).Add(time.Duration(n) * time.Second)
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr fails unless errors.Is(err, want).
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

// wantEntityErr fails unless err is a *store.Error wrapping want about the
// given entity.
func wantEntityErr(t *testing.T, err, want error, entity store.Entity) {
	t.Helper()
	wantErr(t, err, want)
	var se *store.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *store.Error", err)
	}
	if se.Entity != entity {
		t.Fatalf("error %v is about %q, want %q", err, se.Entity, entity)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func newAccount(t *testing.T, s store.Store, id string) store.Account {
	t.Helper()
	a := store.Account{ID: id, Alias: "alias-" + id, CreateDate: at(0)}
	must(t, s.CreateAccount(ctxOf(t), a))
	return a
}

func newUser(t *testing.T, s store.Store, account, name string) store.User {
	t.Helper()
	u := store.User{Account: account, Name: name, Path: "/", UserID: "AIDA" + account + name, CreateDate: at(1)}
	must(t, s.CreateUser(ctxOf(t), u))
	return u
}

func newRole(t *testing.T, s store.Store, account, path, name string) store.Role {
	t.Helper()
	r := store.Role{
		Account: account, Name: name, Path: path, RoleID: "AROA" + account + name, CreateDate: at(2),
		TrustPolicy: `{"Version":"2012-10-17","Statement":[]}`, MaxSessionDuration: 3600,
	}
	must(t, s.CreateRole(ctxOf(t), r))
	return r
}

func policyARN(account, path, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:policy%s%s", account, path, name)
}

func newPolicy(t *testing.T, s store.Store, account, path, name, doc string) store.ManagedPolicy {
	t.Helper()
	p := store.ManagedPolicy{
		ARN: policyARN(account, path, name), Account: account, Name: name, Path: path,
		PolicyID: "ANPA" + account + name, DefaultVersionID: "v1", CreateDate: at(3),
		Versions: []store.PolicyVersion{{VersionID: "v1", Document: doc, CreateDate: at(3)}},
	}
	must(t, s.CreatePolicy(ctxOf(t), p))
	return p
}

func rev(t *testing.T, s store.Store) int64 {
	t.Helper()
	r, err := s.Revision(ctxOf(t))
	must(t, err)
	return r
}
