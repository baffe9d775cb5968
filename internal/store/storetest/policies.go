package storetest

import (
	"fmt"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
)

func testManagedPolicies(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	p := store.ManagedPolicy{
		ARN: policyARN(acct, "/team/", "S3Access"), Account: acct, Name: "S3Access", Path: "/team/", PolicyID: "ANPAS3",
		Description: "s3", DefaultVersionID: "v2", CreateDate: at(30), Tags: map[string]string{"a": "b"},
		Versions: []store.PolicyVersion{
			{VersionID: "v1", Document: `{"v":1}`, CreateDate: at(30)},
			{VersionID: "v2", Document: `{"v":2}`, CreateDate: at(31)},
		},
	}
	wantEntityErr(t, s.CreatePolicy(ctx, p), store.ErrNotFound, store.EntityAccount)
	newAccount(t, s, acct)
	must(t, s.CreatePolicy(ctx, p))
	wantEntityErr(t, s.CreatePolicy(ctx, p), store.ErrAlreadyExists, store.EntityPolicy)

	got, err := s.GetPolicy(ctx, p.ARN)
	must(t, err)
	want := p
	want.Versions = []store.PolicyVersion{
		{VersionID: "v1", Document: `{"v":1}`, CreateDate: at(30)},
		{VersionID: "v2", Document: `{"v":2}`, CreateDate: at(31), IsDefault: true},
	}
	want.UpdateDate = at(31)
	equal(t, "policy", got, want)
	_, err = s.GetPolicy(ctx, policyARN(acct, "/", "S3Access")) // the ARN includes the path
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPolicy)

	// AWS managed policies need no account.
	aws := store.ManagedPolicy{ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", Account: store.AWSAccount, Name: "ReadOnlyAccess", Path: "/",
		PolicyID: "ANPAAWSRO", DefaultVersionID: "v7", CreateDate: at(1),
		Versions: []store.PolicyVersion{{VersionID: "v7", Document: `{"aws":true}`, CreateDate: at(2)}}}
	must(t, s.CreatePolicy(ctx, aws))
	got, err = s.GetPolicy(ctx, aws.ARN)
	must(t, err)
	if got.DefaultVersionID != "v7" || len(got.Versions) != 1 || !got.Versions[0].IsDefault {
		t.Fatalf("aws policy = %+v", got)
	}
	// Its next version is v8.
	v, err := s.CreatePolicyVersion(ctx, aws.ARN, store.PolicyVersion{Document: "{}", CreateDate: at(3)}, false)
	must(t, err)
	if v.VersionID != "v8" || v.IsDefault {
		t.Fatalf("next version = %+v", v)
	}

	bad := []store.ManagedPolicy{
		{ARN: "arn:x", Account: acct, Name: "x", PolicyID: "ANPAX1", DefaultVersionID: "v1"},
		{ARN: "arn:x", Account: acct, Name: "x", PolicyID: "ANPAX1", DefaultVersionID: "v2", Versions: []store.PolicyVersion{{VersionID: "v1"}}},
		{ARN: "arn:x", Account: acct, Name: "x", PolicyID: "ANPAX1", DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1"}, {VersionID: "v1"}}},
		{ARN: "arn:x", Account: acct, Name: "x", PolicyID: "ANPAX1", DefaultVersionID: "1", Versions: []store.PolicyVersion{{VersionID: "1"}}},
		{ARN: "arn:x", Account: acct, Name: "x", PolicyID: "ANPAX1", DefaultVersionID: "v01", Versions: []store.PolicyVersion{{VersionID: "v01"}}},
		{ARN: "arn:x", Account: acct, Name: "", PolicyID: "ANPAX1", DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1"}}},
		{ARN: "arn:x", Account: acct, Name: "x", PolicyID: "ANPAX1", DefaultVersionID: "v1", Versions: []store.PolicyVersion{
			{VersionID: "v1"}, {VersionID: "v2"}, {VersionID: "v3"}, {VersionID: "v4"}, {VersionID: "v5"}, {VersionID: "v6"}}},
	}
	for i, b := range bad {
		wantErr(t, s.CreatePolicy(ctx, b), store.ErrInvalid)
		_ = i
	}

	must(t, s.UpdatePolicy(ctx, p.ARN, func(p *store.ManagedPolicy) error {
		p.Description = "new"
		p.Tags = map[string]string{"x": "y"}
		return nil
	}))
	got, err = s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.Description != "new" || !equalTags(got.Tags, map[string]string{"x": "y"}) {
		t.Fatalf("updated policy = %+v", got)
	}
	wantErr(t, s.UpdatePolicy(ctx, p.ARN, func(p *store.ManagedPolicy) error { p.DefaultVersionID = "v1"; return nil }), store.ErrInvalid)
	wantErr(t, s.UpdatePolicy(ctx, p.ARN, func(p *store.ManagedPolicy) error { p.Versions[0].Document = "{}"; return nil }), store.ErrInvalid)
	wantErr(t, s.UpdatePolicy(ctx, "arn:none", func(*store.ManagedPolicy) error { return nil }), store.ErrNotFound)

	must(t, s.DeletePolicy(ctx, p.ARN))
	_, err = s.GetPolicy(ctx, p.ARN)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.GetPolicyVersion(ctx, p.ARN, "v1")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPolicy)
	wantErr(t, s.DeletePolicy(ctx, p.ARN), store.ErrNotFound)
	// The name and ARN are free again, with a fresh version history.
	newPolicy(t, s, acct, "/team/", "s3access", "{}")
}

func equalTags(a, b map[string]string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func testPolicyVersions(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	p := newPolicy(t, s, acct, "/", "Versioned", `{"v":1}`)

	_, err := s.CreatePolicyVersion(ctx, "arn:none", store.PolicyVersion{Document: "{}"}, false)
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPolicy)

	for i := 2; i <= store.MaxPolicyVersions; i++ {
		v, err := s.CreatePolicyVersion(ctx, p.ARN, store.PolicyVersion{Document: fmt.Sprintf(`{"v":%d}`, i), CreateDate: at(100 + i)}, i == 3)
		must(t, err)
		want := store.PolicyVersion{VersionID: fmt.Sprintf("v%d", i), Document: fmt.Sprintf(`{"v":%d}`, i), CreateDate: at(100 + i), IsDefault: i == 3}
		equal(t, "new version", v, want)
	}
	_, err = s.CreatePolicyVersion(ctx, p.ARN, store.PolicyVersion{Document: "{}"}, false)
	wantEntityErr(t, err, store.ErrLimitExceeded, store.EntityPolicy)

	got, err := s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.DefaultVersionID != "v3" || len(got.Versions) != 5 || !got.UpdateDate.Equal(at(105)) {
		t.Fatalf("policy after 5 versions = %+v", got)
	}
	for _, v := range got.Versions {
		if v.IsDefault != (v.VersionID == "v3") {
			t.Fatalf("version %s IsDefault = %v", v.VersionID, v.IsDefault)
		}
	}

	v, err := s.GetPolicyVersion(ctx, p.ARN, "v4")
	must(t, err)
	equal(t, "v4", v, store.PolicyVersion{VersionID: "v4", Document: `{"v":4}`, CreateDate: at(104)})
	_, err = s.GetPolicyVersion(ctx, p.ARN, "v9")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPolicyVersion)
	_, err = s.GetPolicyVersion(ctx, p.ARN, "V4")
	wantErr(t, err, store.ErrInvalid)

	// Switching the default.
	wantEntityErr(t, s.SetDefaultPolicyVersion(ctx, p.ARN, "v9"), store.ErrNotFound, store.EntityPolicyVersion)
	must(t, s.SetDefaultPolicyVersion(ctx, p.ARN, "v5"))
	v, err = s.GetPolicyVersion(ctx, p.ARN, "v5")
	must(t, err)
	if !v.IsDefault {
		t.Fatal("v5 is not the default after SetDefaultPolicyVersion")
	}
	v, err = s.GetPolicyVersion(ctx, p.ARN, "v3")
	must(t, err)
	if v.IsDefault {
		t.Fatal("v3 is still the default")
	}

	// The default version cannot be deleted; others can, freeing a slot.
	wantEntityErr(t, s.DeletePolicyVersion(ctx, p.ARN, "v5"), store.ErrConflict, store.EntityPolicyVersion)
	must(t, s.DeletePolicyVersion(ctx, p.ARN, "v2"))
	wantEntityErr(t, s.DeletePolicyVersion(ctx, p.ARN, "v2"), store.ErrNotFound, store.EntityPolicyVersion)
	v, err = s.CreatePolicyVersion(ctx, p.ARN, store.PolicyVersion{Document: `{"v":6}`, CreateDate: at(200)}, true)
	must(t, err)
	if v.VersionID != "v6" {
		t.Fatalf("version after deleting v2 = %s, want v6 (numbers are never reused)", v.VersionID)
	}
	got, err = s.GetPolicy(ctx, p.ARN)
	must(t, err)
	var ids []string
	for _, v := range got.Versions {
		ids = append(ids, v.VersionID)
	}
	equal(t, "version IDs", ids, []string{"v1", "v3", "v4", "v5", "v6"})
	if got.DefaultVersionID != "v6" || !got.UpdateDate.Equal(at(200)) {
		t.Fatalf("policy = %+v", got)
	}
	// UpdateDate follows the newest remaining version.
	must(t, s.SetDefaultPolicyVersion(ctx, p.ARN, "v1"))
	must(t, s.DeletePolicyVersion(ctx, p.ARN, "v6"))
	got, err = s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if !got.UpdateDate.Equal(at(105)) {
		t.Fatalf("UpdateDate = %v after deleting the newest version, want %v", got.UpdateDate, at(105))
	}
}

func testAttachments(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newAccount(t, s, acct2)
	newUser(t, s, acct, "alice")
	newRole(t, s, acct, "/", "Admin")
	newRole(t, s, acct2, "/", "Admin")
	p := newPolicy(t, s, acct, "/", "Shared", "{}")
	alice := store.Principal{Kind: store.KindUser, Account: acct, Name: "ALICE"}
	admin := store.Principal{Kind: store.KindRole, Account: acct, Name: "admin"}
	admin2 := store.Principal{Kind: store.KindRole, Account: acct2, Name: "Admin"}

	wantEntityErr(t, s.AttachPolicy(ctx, alice, "arn:none"), store.ErrNotFound, store.EntityPolicy)
	wantEntityErr(t, s.AttachPolicy(ctx, store.Principal{Kind: store.KindRole, Account: acct, Name: "ghost"}, p.ARN), store.ErrNotFound, store.EntityRole)
	must(t, s.AttachPolicy(ctx, alice, p.ARN))
	must(t, s.AttachPolicy(ctx, alice, p.ARN)) // again: no-op
	must(t, s.AttachPolicy(ctx, admin, p.ARN))
	must(t, s.AttachPolicy(ctx, admin2, p.ARN))

	got, err := s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.AttachmentCount != 3 {
		t.Fatalf("AttachmentCount = %d, want 3", got.AttachmentCount)
	}
	ents, next, err := s.ListPolicyEntities(ctx, p.ARN, store.Page{})
	must(t, err)
	equal(t, "entities", ents, []store.PolicyEntity{
		{Principal: store.Principal{Kind: store.KindRole, Account: acct, Name: "Admin"}, ID: "AROA" + acct + "Admin"},
		{Principal: store.Principal{Kind: store.KindRole, Account: acct2, Name: "Admin"}, ID: "AROA" + acct2 + "Admin"},
		{Principal: store.Principal{Kind: store.KindUser, Account: acct, Name: "alice"}, ID: "AIDA" + acct + "alice"},
	})
	if next != "" {
		t.Fatalf("next = %q", next)
	}
	// Page through the entities one at a time.
	var paged []store.PolicyEntity
	marker := ""
	for {
		page, next, err := s.ListPolicyEntities(ctx, p.ARN, store.Page{Limit: 1, Marker: marker})
		must(t, err)
		paged = append(paged, page...)
		if next == "" {
			break
		}
		marker = next
	}
	equal(t, "paged entities", paged, ents)
	_, _, err = s.ListPolicyEntities(ctx, "arn:none", store.Page{})
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPolicy)

	// An attached policy cannot be deleted.
	wantEntityErr(t, s.DeletePolicy(ctx, p.ARN), store.ErrConflict, store.EntityPolicy)

	att, _, err := s.ListAttachedPolicies(ctx, alice, store.ListOptions{})
	must(t, err)
	equal(t, "attached", att, []store.AttachedPolicy{{PolicyARN: p.ARN, PolicyName: "Shared"}})
	_, _, err = s.ListAttachedPolicies(ctx, store.Principal{Kind: store.KindUser, Account: acct, Name: "ghost"}, store.ListOptions{})
	wantEntityErr(t, err, store.ErrNotFound, store.EntityUser)

	must(t, s.DetachPolicy(ctx, alice, p.ARN))
	wantEntityErr(t, s.DetachPolicy(ctx, alice, p.ARN), store.ErrNotFound, store.EntityAttachment)
	wantEntityErr(t, s.DetachPolicy(ctx, store.Principal{Kind: store.KindUser, Account: acct, Name: "ghost"}, p.ARN), store.ErrNotFound, store.EntityUser)
	must(t, s.DetachPolicy(ctx, admin, p.ARN))
	must(t, s.DetachPolicy(ctx, admin2, p.ARN))
	got, err = s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.AttachmentCount != 0 {
		t.Fatalf("AttachmentCount = %d after detaching all", got.AttachmentCount)
	}

	// Permissions boundary usage is counted, and does not block deletion.
	must(t, s.UpdateRole(ctx, acct, "Admin", func(r *store.Role) error { r.PermissionsBoundaryARN = p.ARN; return nil }))
	must(t, s.UpdateUser(ctx, acct, "alice", func(u *store.User) error { u.PermissionsBoundaryARN = p.ARN; return nil }))
	got, err = s.GetPolicy(ctx, p.ARN)
	must(t, err)
	if got.PermissionsBoundaryUsageCount != 2 {
		t.Fatalf("PermissionsBoundaryUsageCount = %d, want 2", got.PermissionsBoundaryUsageCount)
	}
	must(t, s.DeletePolicy(ctx, p.ARN))

	// Attached policies list in name order, filtered by the policies' path.
	var arns []string
	for i, name := range []string{"zeta", "Alpha", "beta", "Gamma"} {
		path := "/"
		if i%2 == 0 {
			path = "/even/"
		}
		q := newPolicy(t, s, acct, path, name, "{}")
		must(t, s.AttachPolicy(ctx, admin, q.ARN))
		arns = append(arns, q.ARN)
	}
	att, _, err = s.ListAttachedPolicies(ctx, admin, store.ListOptions{})
	must(t, err)
	var names []string
	for _, a := range att {
		names = append(names, a.PolicyName)
	}
	equal(t, "attached names", names, []string{"Alpha", "beta", "Gamma", "zeta"})
	att, _, err = s.ListAttachedPolicies(ctx, admin, store.ListOptions{PathPrefix: "/even/"})
	must(t, err)
	equal(t, "attached under /even/", att, []store.AttachedPolicy{{PolicyARN: arns[2], PolicyName: "beta"}, {PolicyARN: arns[0], PolicyName: "zeta"}})
	att, next, err = s.ListAttachedPolicies(ctx, admin, store.ListOptions{Page: store.Page{Limit: 3}})
	must(t, err)
	if len(att) != 3 || next == "" {
		t.Fatalf("limited attached list = %+v %q", att, next)
	}
	att, next, err = s.ListAttachedPolicies(ctx, admin, store.ListOptions{Page: store.Page{Limit: 3, Marker: next}})
	must(t, err)
	if len(att) != 1 || att[0].PolicyName != "zeta" || next != "" {
		t.Fatalf("second attached page = %+v %q", att, next)
	}
}

func testListPolicies(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newAccount(t, s, acct2)
	newRole(t, s, acct, "/", "r")
	newRole(t, s, acct2, "/", "r")
	mk := func(account, path, name string) store.ManagedPolicy {
		if account == store.AWSAccount {
			p := store.ManagedPolicy{ARN: "arn:aws:iam::aws:policy" + path + name, Account: account, Name: name, Path: path, PolicyID: "ANPAAWS" + name,
				DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1", Document: "{}"}}}
			must(t, s.CreatePolicy(ctx, p))
			return p
		}
		return newPolicy(t, s, account, path, name, "{}")
	}
	awsRead := mk(store.AWSAccount, "/", "ReadOnlyAccess")
	awsAdmin := mk(store.AWSAccount, "/job-function/", "AdministratorAccess")
	local := mk(acct, "/", "readonlyaccess") // same name as an AWS policy: allowed
	mk(acct2, "/", "OtherAccount")
	localB := mk(acct, "/app/", "Billing")
	r := store.Principal{Kind: store.KindRole, Account: acct, Name: "r"}
	r2 := store.Principal{Kind: store.KindRole, Account: acct2, Name: "r"}
	must(t, s.AttachPolicy(ctx, r, awsRead.ARN))
	must(t, s.AttachPolicy(ctx, r2, awsRead.ARN))
	must(t, s.AttachPolicy(ctx, r2, awsAdmin.ARN))
	must(t, s.AttachPolicy(ctx, r, localB.ARN))

	names := func(ps []store.ManagedPolicy) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Account+":"+p.Name)
			if p.Versions != nil {
				t.Fatalf("ListPolicies returned versions for %s", p.ARN)
			}
		}
		return out
	}
	tests := []struct {
		name string
		opts store.PolicyListOptions
		want []string
	}{
		{"all", store.PolicyListOptions{Account: acct}, []string{"aws:AdministratorAccess", acct + ":Billing", acct + ":readonlyaccess", "aws:ReadOnlyAccess"}},
		{"aws", store.PolicyListOptions{Account: acct, Scope: store.ScopeAWS}, []string{"aws:AdministratorAccess", "aws:ReadOnlyAccess"}},
		{"local", store.PolicyListOptions{Account: acct, Scope: store.ScopeLocal}, []string{acct + ":Billing", acct + ":readonlyaccess"}},
		{"only attached", store.PolicyListOptions{Account: acct, OnlyAttached: true}, []string{acct + ":Billing", "aws:ReadOnlyAccess"}},
		{"only attached in acct2", store.PolicyListOptions{Account: acct2, OnlyAttached: true}, []string{"aws:AdministratorAccess", "aws:ReadOnlyAccess"}},
		{"path", store.PolicyListOptions{Account: acct, ListOptions: store.ListOptions{PathPrefix: "/job"}}, []string{"aws:AdministratorAccess"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var all []store.ManagedPolicy
			opts := tc.opts
			for {
				opts.Limit = 1
				page, next, err := s.ListPolicies(ctx, opts)
				must(t, err)
				all = append(all, page...)
				if next == "" {
					break
				}
				opts.Marker = next
			}
			equal(t, "policies", names(all), tc.want)
			full, next, err := s.ListPolicies(ctx, tc.opts)
			must(t, err)
			if next != "" {
				t.Fatalf("next = %q", next)
			}
			equal(t, "unpaged policies", names(full), tc.want)
		})
	}

	// Attachment counts in a listing are those of the listing account.
	list, _, err := s.ListPolicies(ctx, store.PolicyListOptions{Account: acct, Scope: store.ScopeAWS})
	must(t, err)
	for _, p := range list {
		want := map[string]int{awsRead.ARN: 1, awsAdmin.ARN: 0}[p.ARN]
		if p.AttachmentCount != want {
			t.Fatalf("%s AttachmentCount = %d in account %s, want %d", p.Name, p.AttachmentCount, acct, want)
		}
	}
	got, err := s.GetPolicy(ctx, awsRead.ARN)
	must(t, err)
	if got.AttachmentCount != 2 {
		t.Fatalf("GetPolicy AttachmentCount = %d, want 2 (all accounts)", got.AttachmentCount)
	}
	_ = local

	_, _, err = s.ListPolicies(ctx, store.PolicyListOptions{})
	wantErr(t, err, store.ErrInvalid)
	_, _, err = s.ListPolicies(ctx, store.PolicyListOptions{Account: acct, Scope: "Mine"})
	wantErr(t, err, store.ErrInvalid)
}

func testPrincipalPolicies(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	newRole(t, s, acct, "/", "App")
	newUser(t, s, acct, "App") // same name, other kind
	role := store.Principal{Kind: store.KindRole, Account: acct, Name: "app"}
	user := store.Principal{Kind: store.KindUser, Account: acct, Name: "app"}

	pp, err := s.GetPrincipalPolicies(ctx, role)
	must(t, err)
	equal(t, "no policies", pp, store.PrincipalPolicies{})
	_, err = s.GetPrincipalPolicies(ctx, store.Principal{Kind: store.KindRole, Account: acct, Name: "ghost"})
	wantEntityErr(t, err, store.ErrNotFound, store.EntityRole)

	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: role, Name: "b-inline", Document: `{"b":1}`}))
	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: role, Name: "A-inline", Document: `{"a":1}`}))
	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Owner: user, Name: "user-only", Document: `{}`}))
	p1 := newPolicy(t, s, acct, "/", "Zed", `{"zed":1}`)
	p2 := newPolicy(t, s, acct, "/", "alpha", `{"alpha":1}`)
	must(t, s.AttachPolicy(ctx, role, p1.ARN))
	must(t, s.AttachPolicy(ctx, role, p2.ARN))
	must(t, s.AttachPolicy(ctx, user, p2.ARN))
	_, err = s.CreatePolicyVersion(ctx, p1.ARN, store.PolicyVersion{Document: `{"zed":2}`}, true)
	must(t, err)
	_, err = s.CreatePolicyVersion(ctx, p2.ARN, store.PolicyVersion{Document: `{"alpha":2}`}, false)
	must(t, err)

	pp, err = s.GetPrincipalPolicies(ctx, role)
	must(t, err)
	owner := store.Principal{Kind: store.KindRole, Account: acct, Name: "App"}
	equal(t, "principal policies", pp, store.PrincipalPolicies{
		Inline: []store.InlinePolicy{
			{Owner: owner, Name: "A-inline", Document: `{"a":1}`},
			{Owner: owner, Name: "b-inline", Document: `{"b":1}`},
		},
		Attached: []store.EffectivePolicy{
			{PolicyARN: p2.ARN, PolicyName: "alpha", VersionID: "v1", Document: `{"alpha":1}`},
			{PolicyARN: p1.ARN, PolicyName: "Zed", VersionID: "v2", Document: `{"zed":2}`},
		},
	})
	must(t, s.SetDefaultPolicyVersion(ctx, p2.ARN, "v2"))
	pp, err = s.GetPrincipalPolicies(ctx, user)
	must(t, err)
	uowner := store.Principal{Kind: store.KindUser, Account: acct, Name: "App"}
	equal(t, "user policies", pp, store.PrincipalPolicies{
		Inline:   []store.InlinePolicy{{Owner: uowner, Name: "user-only", Document: `{}`}},
		Attached: []store.EffectivePolicy{{PolicyARN: p2.ARN, PolicyName: "alpha", VersionID: "v2", Document: `{"alpha":2}`}},
	})
}
