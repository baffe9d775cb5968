package storetest

import (
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
)

func testAccounts(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	_, err := s.GetAccount(ctx, acct)
	wantEntityErr(t, err, store.ErrNotFound, store.EntityAccount)

	a := newAccount(t, s, acct)
	b := newAccount(t, s, acct2)
	wantEntityErr(t, s.CreateAccount(ctx, a), store.ErrAlreadyExists, store.EntityAccount)
	wantErr(t, s.CreateAccount(ctx, store.Account{}), store.ErrInvalid)

	got, err := s.GetAccount(ctx, acct)
	must(t, err)
	equal(t, "account", got, a)

	list, err := s.ListAccounts(ctx)
	must(t, err)
	equal(t, "accounts", list, []store.Account{a, b})

	must(t, s.UpdateAccount(ctx, acct, func(a *store.Account) error { a.Alias = "prod"; return nil }))
	got, err = s.GetAccount(ctx, acct)
	must(t, err)
	if got.Alias != "prod" {
		t.Fatalf("alias = %q after update", got.Alias)
	}
	wantErr(t, s.UpdateAccount(ctx, "999999999999", func(*store.Account) error { return nil }), store.ErrNotFound)

	// An account that owns something cannot go.
	newUser(t, s, acct, "alice")
	wantEntityErr(t, s.DeleteAccount(ctx, acct), store.ErrConflict, store.EntityAccount)
	must(t, s.DeleteUser(ctx, acct, "alice"))
	newPolicy(t, s, acct, "/", "p", `{}`)
	wantEntityErr(t, s.DeleteAccount(ctx, acct), store.ErrConflict, store.EntityAccount)
	must(t, s.DeletePolicy(ctx, policyARN(acct, "/", "p")))
	must(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAROOT", Account: acct, SecretCiphertext: []byte{1}}))
	wantEntityErr(t, s.DeleteAccount(ctx, acct), store.ErrConflict, store.EntityAccount)
	must(t, s.DeleteAccessKey(ctx, "AKIAROOT"))

	must(t, s.DeleteAccount(ctx, acct))
	_, err = s.GetAccount(ctx, acct)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteAccount(ctx, acct), store.ErrNotFound)
}

func testUsers(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	u := store.User{Account: acct, Name: "Alice", Path: "/eng/", UserID: "AIDAALICE", CreateDate: at(5),
		PermissionsBoundaryARN: "arn:aws:iam::aws:policy/Boundary", Tags: map[string]string{"team": "eng", "Cost": ""}}
	wantEntityErr(t, s.CreateUser(ctx, u), store.ErrNotFound, store.EntityAccount)
	newAccount(t, s, acct)
	must(t, s.CreateUser(ctx, u))
	wantEntityErr(t, s.CreateUser(ctx, u), store.ErrAlreadyExists, store.EntityUser)
	// The user ID is unique across the store too.
	dupID := u
	dupID.Name = "Other"
	wantErr(t, s.CreateUser(ctx, dupID), store.ErrAlreadyExists)
	wantErr(t, s.CreateUser(ctx, store.User{Account: acct, Name: "", UserID: "x"}), store.ErrInvalid)

	got, err := s.GetUser(ctx, acct, "Alice")
	must(t, err)
	equal(t, "user", got, u)
	got, err = s.GetUserByID(ctx, "AIDAALICE")
	must(t, err)
	equal(t, "user by ID", got, u)
	_, err = s.GetUserByID(ctx, "AIDANOPE")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityUser)
	_, err = s.GetUser(ctx, acct, "bob")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityUser)
	_, err = s.GetUser(ctx, acct2, "Alice")
	wantErr(t, err, store.ErrNotFound)

	// A user without a path gets "/".
	must(t, s.CreateUser(ctx, store.User{Account: acct, Name: "bob", UserID: "AIDABOB", CreateDate: at(6)}))
	bob, err := s.GetUser(ctx, acct, "bob")
	must(t, err)
	if bob.Path != "/" || bob.Tags != nil || bob.PermissionsBoundaryARN != "" {
		t.Fatalf("defaults: %+v", bob)
	}

	must(t, s.UpdateUser(ctx, acct, "alice", func(u *store.User) error {
		u.Path = "/ops/"
		u.Tags["new"] = "tag"
		delete(u.Tags, "Cost")
		u.PermissionsBoundaryARN = ""
		return nil
	}))
	got, err = s.GetUser(ctx, acct, "ALICE")
	must(t, err)
	want := u
	want.Path = "/ops/"
	want.Tags = map[string]string{"team": "eng", "new": "tag"}
	want.PermissionsBoundaryARN = ""
	equal(t, "updated user", got, want)
	wantEntityErr(t, s.UpdateUser(ctx, acct, "carol", func(*store.User) error { return nil }), store.ErrNotFound, store.EntityUser)

	must(t, s.DeleteUser(ctx, acct, "ALICE"))
	_, err = s.GetUser(ctx, acct, "Alice")
	wantErr(t, err, store.ErrNotFound)
	wantEntityErr(t, s.DeleteUser(ctx, acct, "Alice"), store.ErrNotFound, store.EntityUser)
	// The name is free again.
	must(t, s.CreateUser(ctx, store.User{Account: acct, Name: "alice", UserID: "AIDAALICE2", CreateDate: at(7)}))

	// Deleting a user with keys, inline policies or attachments conflicts.
	must(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIABOB", Account: acct, UserName: "bob", SecretCiphertext: []byte("sealed")}))
	wantEntityErr(t, s.DeleteUser(ctx, acct, "bob"), store.ErrConflict, store.EntityUser)
	must(t, s.DeleteAccessKey(ctx, "AKIABOB"))
	owner := store.Principal{Kind: store.KindUser, Account: acct, Name: "bob"}
	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: owner, Name: "p", Document: "{}"}))
	wantEntityErr(t, s.DeleteUser(ctx, acct, "bob"), store.ErrConflict, store.EntityUser)
	must(t, s.DeleteInlinePolicy(ctx, owner, "p"))
	p := newPolicy(t, s, acct, "/", "managed", "{}")
	must(t, s.AttachPolicy(ctx, owner, p.ARN))
	wantEntityErr(t, s.DeleteUser(ctx, acct, "bob"), store.ErrConflict, store.EntityUser)
	must(t, s.DetachPolicy(ctx, owner, p.ARN))
	must(t, s.DeleteUser(ctx, acct, "bob"))
}

func testUserRename(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newUser(t, s, acct, "Alice")
	newUser(t, s, acct, "Bob")
	must(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAALICE", Account: acct, UserName: "alice", SecretCiphertext: []byte{9}, CreateDate: at(1)}))
	old := store.Principal{Kind: store.KindUser, Account: acct, Name: "Alice"}
	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: old, Name: "inline", Document: `{"a":1}`}))
	p := newPolicy(t, s, acct, "/", "managed", `{"m":1}`)
	must(t, s.AttachPolicy(ctx, old, p.ARN))

	// Renaming onto another user's name, in any case, is refused.
	wantEntityErr(t, s.UpdateUser(ctx, acct, "Alice", func(u *store.User) error { u.Name = "BOB"; return nil }), store.ErrAlreadyExists, store.EntityUser)
	// A case-only rename is allowed.
	must(t, s.UpdateUser(ctx, acct, "Alice", func(u *store.User) error { u.Name = "ALICE"; return nil }))
	u, err := s.GetUser(ctx, acct, "alice")
	must(t, err)
	if u.Name != "ALICE" {
		t.Fatalf("name = %q after case-only rename", u.Name)
	}
	must(t, s.UpdateUser(ctx, acct, "alice", func(u *store.User) error { u.Name = "Carol"; u.Path = "/new/"; return nil }))
	_, err = s.GetUser(ctx, acct, "Alice")
	wantErr(t, err, store.ErrNotFound)
	u, err = s.GetUser(ctx, acct, "carol")
	must(t, err)
	if u.Name != "Carol" || u.Path != "/new/" || u.UserID != "AIDA"+acct+"Alice" {
		t.Fatalf("renamed user = %+v", u)
	}
	// Keys, inline policies and attachments follow the rename.
	k, err := s.GetAccessKey(ctx, "AKIAALICE")
	must(t, err)
	if k.UserName != "Carol" {
		t.Fatalf("key's user = %q after rename", k.UserName)
	}
	keys, err := s.ListAccessKeys(ctx, acct, "carol")
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("renamed user's keys = %+v", keys)
	}
	pp, err := s.GetPrincipalPolicies(ctx, store.Principal{Kind: store.KindUser, Account: acct, Name: "Carol"})
	must(t, err)
	if len(pp.Inline) != 1 || len(pp.Attached) != 1 || pp.Inline[0].Owner.Name != "Carol" {
		t.Fatalf("renamed user's policies = %+v", pp)
	}
	ents, _, err := s.ListPolicyEntities(ctx, p.ARN, store.Page{})
	must(t, err)
	equal(t, "policy entities", ents, []store.PolicyEntity{{Principal: store.Principal{Kind: store.KindUser, Account: acct, Name: "Carol"}, ID: "AIDA" + acct + "Alice"}})
	_, err = s.GetPrincipalPolicies(ctx, old)
	wantErr(t, err, store.ErrNotFound)
}

func testAccessKeys(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newUser(t, s, acct, "Alice")
	secret := []byte{0, 1, 2, 0xff, 'x'}
	k := store.AccessKey{AccessKeyID: "AKIAEXAMPLE1", Account: acct, UserName: "alice", SecretCiphertext: secret, Status: store.StatusActive, CreateDate: at(10)}
	must(t, s.CreateAccessKey(ctx, k))
	wantEntityErr(t, s.CreateAccessKey(ctx, k), store.ErrAlreadyExists, store.EntityAccessKey)
	wantEntityErr(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAX", Account: acct, UserName: "nobody"}), store.ErrNotFound, store.EntityUser)
	wantEntityErr(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAX", Account: acct2}), store.ErrNotFound, store.EntityAccount)
	wantErr(t, s.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIAX", Account: acct, Status: "Revoked"}), store.ErrInvalid)
	wantErr(t, s.CreateAccessKey(ctx, store.AccessKey{Account: acct}), store.ErrInvalid)

	got, err := s.GetAccessKey(ctx, "AKIAEXAMPLE1")
	must(t, err)
	want := k
	want.UserName = "Alice" // the user's name as created
	equal(t, "access key", got, want)
	_, err = s.GetAccessKey(ctx, "akiaexample1")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityAccessKey)

	// Status defaults to Active; root keys have no user.
	root := store.AccessKey{AccessKeyID: "AKIAROOT", Account: acct, SecretCiphertext: []byte("r"), CreateDate: at(11)}
	must(t, s.CreateAccessKey(ctx, root))
	second := store.AccessKey{AccessKeyID: "AKIAEXAMPLE0", Account: acct, UserName: "Alice", SecretCiphertext: []byte("2"), Status: store.StatusInactive, CreateDate: at(12)}
	must(t, s.CreateAccessKey(ctx, second))
	rootKeys, err := s.ListAccessKeys(ctx, acct, "")
	must(t, err)
	root.Status = store.StatusActive
	equal(t, "root keys", rootKeys, []store.AccessKey{root})
	userKeys, err := s.ListAccessKeys(ctx, acct, "ALICE")
	must(t, err)
	second.UserName = "Alice"
	equal(t, "user keys (by create date)", userKeys, []store.AccessKey{want, second})
	_, err = s.ListAccessKeys(ctx, acct, "nobody")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityUser)

	must(t, s.UpdateAccessKey(ctx, "AKIAEXAMPLE1", func(k *store.AccessKey) error { k.Status = store.StatusInactive; return nil }))
	got, err = s.GetAccessKey(ctx, "AKIAEXAMPLE1")
	must(t, err)
	if got.Status != store.StatusInactive {
		t.Fatalf("status = %q", got.Status)
	}
	wantErr(t, s.UpdateAccessKey(ctx, "AKIAEXAMPLE1", func(k *store.AccessKey) error { k.Status = "Gone"; return nil }), store.ErrInvalid)
	wantErr(t, s.UpdateAccessKey(ctx, "AKIAEXAMPLE1", func(k *store.AccessKey) error { k.SecretCiphertext[0] = 7; return nil }), store.ErrInvalid)
	wantErr(t, s.UpdateAccessKey(ctx, "AKIANONE", func(*store.AccessKey) error { return nil }), store.ErrNotFound)

	// Last-used bookkeeping keeps the latest date and does not bump the revision.
	r0 := rev(t, s)
	must(t, s.RecordAccessKeyUse(ctx, "AKIAEXAMPLE1", store.AccessKeyLastUsed{Date: at(100), ServiceName: "sts", Region: "us-east-1"}))
	must(t, s.RecordAccessKeyUse(ctx, "AKIAEXAMPLE1", store.AccessKeyLastUsed{Date: at(50), ServiceName: "iam", Region: "us-west-2"}))
	got, err = s.GetAccessKey(ctx, "AKIAEXAMPLE1")
	must(t, err)
	equal(t, "last used", got.LastUsed, &store.AccessKeyLastUsed{Date: at(100), ServiceName: "sts", Region: "us-east-1"})
	if r := rev(t, s); r != r0 {
		t.Fatalf("RecordAccessKeyUse bumped the revision %d -> %d", r0, r)
	}
	wantEntityErr(t, s.RecordAccessKeyUse(ctx, "AKIANONE", store.AccessKeyLastUsed{Date: at(1)}), store.ErrNotFound, store.EntityAccessKey)

	must(t, s.DeleteAccessKey(ctx, "AKIAEXAMPLE1"))
	_, err = s.GetAccessKey(ctx, "AKIAEXAMPLE1")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteAccessKey(ctx, "AKIAEXAMPLE1"), store.ErrNotFound)
}

func testRoles(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	r := store.Role{
		Account: acct, Name: "Deployer", Path: "/ci/", RoleID: "AROADEPLOYER", CreateDate: at(20),
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`,
		Description: "deploys", MaxSessionDuration: 43200, PermissionsBoundaryARN: "arn:aws:iam::111122223333:policy/b",
		Tags: map[string]string{"k": "v"},
	}
	wantEntityErr(t, s.CreateRole(ctx, r), store.ErrNotFound, store.EntityAccount)
	newAccount(t, s, acct)
	must(t, s.CreateRole(ctx, r))
	wantEntityErr(t, s.CreateRole(ctx, r), store.ErrAlreadyExists, store.EntityRole)
	wantErr(t, s.CreateRole(ctx, store.Role{Account: acct, Name: "x"}), store.ErrInvalid)

	got, err := s.GetRole(ctx, acct, "deployer")
	must(t, err)
	equal(t, "role", got, r)
	got, err = s.GetRoleByID(ctx, "AROADEPLOYER")
	must(t, err)
	equal(t, "role by ID", got, r)
	_, err = s.GetRole(ctx, acct, "nope")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityRole)
	_, err = s.GetRoleByID(ctx, "AROANOPE")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityRole)

	must(t, s.UpdateRole(ctx, acct, "DEPLOYER", func(r *store.Role) error {
		r.TrustPolicy = `{"new":true}`
		r.Description = ""
		r.MaxSessionDuration = 7200
		r.PermissionsBoundaryARN = ""
		r.Tags = nil
		return nil
	}))
	got, err = s.GetRole(ctx, acct, "Deployer")
	must(t, err)
	want := r
	want.TrustPolicy, want.Description, want.MaxSessionDuration, want.PermissionsBoundaryARN, want.Tags = `{"new":true}`, "", 7200, "", nil
	equal(t, "updated role", got, want)

	r0 := rev(t, s)
	must(t, s.RecordRoleUse(ctx, acct, "deployer", store.RoleLastUsed{Date: at(300), Region: "eu-west-1"}))
	must(t, s.RecordRoleUse(ctx, acct, "deployer", store.RoleLastUsed{Date: at(299), Region: "us-east-1"}))
	got, err = s.GetRole(ctx, acct, "Deployer")
	must(t, err)
	equal(t, "role last used", got.LastUsed, &store.RoleLastUsed{Date: at(300), Region: "eu-west-1"})
	if r := rev(t, s); r != r0 {
		t.Fatalf("RecordRoleUse bumped the revision %d -> %d", r0, r)
	}
	wantErr(t, s.RecordRoleUse(ctx, acct, "nope", store.RoleLastUsed{Date: at(1)}), store.ErrNotFound)

	// Roles with policies cannot be deleted.
	owner := store.Principal{Kind: store.KindRole, Account: acct, Name: "deployer"}
	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: owner, Name: "p", Document: "{}"}))
	wantEntityErr(t, s.DeleteRole(ctx, acct, "Deployer"), store.ErrConflict, store.EntityRole)
	must(t, s.DeleteInlinePolicy(ctx, owner, "P"))
	p := newPolicy(t, s, acct, "/", "managed", "{}")
	must(t, s.AttachPolicy(ctx, owner, p.ARN))
	wantEntityErr(t, s.DeleteRole(ctx, acct, "Deployer"), store.ErrConflict, store.EntityRole)
	must(t, s.DetachPolicy(ctx, owner, p.ARN))

	must(t, s.DeleteRole(ctx, acct, "deployer"))
	_, err = s.GetRole(ctx, acct, "Deployer")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteRole(ctx, acct, "Deployer"), store.ErrNotFound)
}

// testCaseInsensitiveNames checks IAM's rule: names are unique per account
// without regard to case, keep their case, and are found in any case.
func testCaseInsensitiveNames(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newAccount(t, s, acct2)
	newRole(t, s, acct, "/", "MyRole")
	for _, name := range []string{"myrole", "MYROLE", "myRole"} {
		err := s.CreateRole(ctx, store.Role{Account: acct, Name: name, RoleID: "AROA" + name, CreateDate: at(1)})
		wantErr(t, err, store.ErrAlreadyExists)
		got, err := s.GetRole(ctx, acct, name)
		must(t, err)
		if got.Name != "MyRole" {
			t.Fatalf("GetRole(%q).Name = %q, want the name as created", name, got.Name)
		}
	}
	// Other accounts are separate namespaces; users and roles are too.
	newRole(t, s, acct2, "/", "myrole")
	newUser(t, s, acct, "myrole")
	newUser(t, s, acct, "Ünïcode-Ä")
	_, err := s.GetUser(ctx, acct, "ünïcode-ä")
	wantErr(t, err, store.ErrNotFound) // only ASCII letters fold
	_, err = s.GetUser(ctx, acct, "ÜNÏCODE-Ä")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetUser(ctx, acct, "Ünïcode-ä")
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetUser(ctx, acct, "ÜNïCODE-Ä")
	must(t, err)

	newPolicy(t, s, acct, "/", "ReadOnly", "{}")
	dup := store.ManagedPolicy{ARN: policyARN(acct, "/other/", "readonly"), Account: acct, Name: "readonly", Path: "/other/", PolicyID: "ANPADUP",
		DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1", Document: "{}"}}}
	wantEntityErr(t, s.CreatePolicy(ctx, dup), store.ErrAlreadyExists, store.EntityPolicy)
}

func testInlinePolicies(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	for _, kind := range []store.PrincipalKind{store.KindUser, store.KindRole} {
		t.Run(string(kind), func(t *testing.T) {
			owner := store.Principal{Kind: kind, Account: acct, Name: "Owner" + string(kind)}
			p := store.InlinePolicy{Owner: owner, Name: "S3Read", Document: `{"Statement":[]}`}
			wantEntityErr(t, s.PutInlinePolicy(ctx, p), store.ErrNotFound, store.Entity(kind))
			_, _, err := s.ListInlinePolicies(ctx, owner, store.Page{})
			wantEntityErr(t, err, store.ErrNotFound, store.Entity(kind))
			if kind == store.KindUser {
				newUser(t, s, acct, owner.Name)
			} else {
				newRole(t, s, acct, "/", owner.Name)
			}
			lower := owner
			lower.Name = "owner" + string(kind)
			must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: lower, Name: "S3Read", Document: `{"Statement":[]}`}))
			got, err := s.GetInlinePolicy(ctx, lower, "s3read")
			must(t, err)
			equal(t, "inline policy", got, p) // owner name as created
			_, err = s.GetInlinePolicy(ctx, owner, "nope")
			wantEntityErr(t, err, store.ErrNotFound, store.EntityInlinePolicy)
			_, err = s.GetInlinePolicy(ctx, store.Principal{Kind: kind, Account: acct, Name: "ghost"}, "S3Read")
			wantEntityErr(t, err, store.ErrNotFound, store.Entity(kind))

			// Put with a name differing in case replaces, taking the new case.
			must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: owner, Name: "s3READ", Document: `{"v":2}`}))
			must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: owner, Name: "Another", Document: `{"v":3}`}))
			list, next, err := s.ListInlinePolicies(ctx, owner, store.Page{})
			must(t, err)
			equal(t, "inline list", list, []store.InlinePolicy{
				{Owner: owner, Name: "Another", Document: `{"v":3}`},
				{Owner: owner, Name: "s3READ", Document: `{"v":2}`},
			})
			if next != "" {
				t.Fatalf("next marker %q on the only page", next)
			}
			page, next, err := s.ListInlinePolicies(ctx, owner, store.Page{Limit: 1})
			must(t, err)
			if len(page) != 1 || page[0].Name != "Another" || next == "" {
				t.Fatalf("first page = %+v, %q", page, next)
			}
			page, next, err = s.ListInlinePolicies(ctx, owner, store.Page{Limit: 1, Marker: next})
			must(t, err)
			if len(page) != 1 || page[0].Name != "s3READ" || next != "" {
				t.Fatalf("second page = %+v, %q", page, next)
			}

			must(t, s.DeleteInlinePolicy(ctx, owner, "S3READ"))
			wantEntityErr(t, s.DeleteInlinePolicy(ctx, owner, "S3READ"), store.ErrNotFound, store.EntityInlinePolicy)
			wantEntityErr(t, s.DeleteInlinePolicy(ctx, store.Principal{Kind: kind, Account: acct, Name: "ghost"}, "x"), store.ErrNotFound, store.Entity(kind))
			wantErr(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: owner, Name: ""}), store.ErrInvalid)
		})
	}
	wantErr(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: store.Principal{Kind: "group", Account: acct, Name: "g"}, Name: "x"}), store.ErrInvalid)
}
