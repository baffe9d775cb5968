package storetest

import (
	"fmt"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
)

func testOIDCProviders(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	p := store.OIDCProvider{
		Account: acct, URL: "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF", ClientIDs: []string{"sts.amazonaws.com"},
		Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, Tags: map[string]string{"cluster": "a"}, CreateDate: at(40),
		CABundle: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	}
	wantEntityErr(t, s.CreateOIDCProvider(ctx, p), store.ErrNotFound, store.EntityAccount)
	newAccount(t, s, acct)
	must(t, s.CreateOIDCProvider(ctx, p))
	wantEntityErr(t, s.CreateOIDCProvider(ctx, p), store.ErrAlreadyExists, store.EntityOIDCProvider)
	wantErr(t, s.CreateOIDCProvider(ctx, store.OIDCProvider{Account: acct}), store.ErrInvalid)
	q := store.OIDCProvider{Account: acct, URL: "127.0.0.1:8443", CreateDate: at(41)}
	must(t, s.CreateOIDCProvider(ctx, q))

	got, err := s.GetOIDCProvider(ctx, acct, p.URL)
	must(t, err)
	equal(t, "provider", got, p)
	_, err = s.GetOIDCProvider(ctx, acct, "OIDC.eks.us-east-1.amazonaws.com/id/ABCDEF")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityOIDCProvider)

	list, err := s.ListOIDCProviders(ctx, acct)
	must(t, err)
	equal(t, "providers", list, []store.OIDCProvider{q, p})
	list, err = s.ListOIDCProviders(ctx, acct2)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("providers of another account: %+v", list)
	}

	must(t, s.UpdateOIDCProvider(ctx, acct, p.URL, func(p *store.OIDCProvider) error {
		p.ClientIDs = append(p.ClientIDs, "other")
		p.Thumbprints = nil
		p.CABundle = ""
		return nil
	}))
	got, err = s.GetOIDCProvider(ctx, acct, p.URL)
	must(t, err)
	want := p
	want.ClientIDs, want.Thumbprints, want.CABundle = []string{"sts.amazonaws.com", "other"}, nil, ""
	equal(t, "updated provider", got, want)
	wantErr(t, s.UpdateOIDCProvider(ctx, acct, p.URL, func(p *store.OIDCProvider) error { p.URL = "x"; return nil }), store.ErrInvalid)
	wantErr(t, s.UpdateOIDCProvider(ctx, acct, "none", func(*store.OIDCProvider) error { return nil }), store.ErrNotFound)

	must(t, s.DeleteOIDCProvider(ctx, acct, p.URL))
	wantEntityErr(t, s.DeleteOIDCProvider(ctx, acct, p.URL), store.ErrNotFound, store.EntityOIDCProvider)
	_, err = s.GetOIDCProvider(ctx, acct, p.URL)
	wantErr(t, err, store.ErrNotFound)
}

func testCluster(name string) store.Cluster {
	return store.Cluster{
		ClusterRef: store.ClusterRef{Account: acct, Region: "us-east-1", Name: name},
		ARN:        "arn:aws:eks:us-east-1:" + acct + ":cluster/" + name, CreateDate: at(50),
		OIDCIssuer: "https://oidc.example/" + name, Endpoint: "https://127.0.0.1:6443", CertificateAuthority: "LS0tLS1CRUdJTg==",
		AuthenticationMode: store.AuthModeAPIAndConfigMap, Status: "ACTIVE", Version: "1.32",
	}
}

func testClusters(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	c := testCluster("dev")
	c.Tags = map[string]string{"env": "dev"}
	c.OIDCIssuerCABundle = "PEM"
	c.AWSAuth = &store.AWSAuth{MapRoles: "- rolearn: arn:aws:iam::111122223333:role/a\n  username: a\n", MapAccounts: "- \"111122223333\"\n"}
	wantEntityErr(t, s.CreateCluster(ctx, c), store.ErrNotFound, store.EntityAccount)
	newAccount(t, s, acct)
	must(t, s.CreateCluster(ctx, c))
	wantEntityErr(t, s.CreateCluster(ctx, c), store.ErrAlreadyExists, store.EntityCluster)
	wantErr(t, s.CreateCluster(ctx, store.Cluster{ClusterRef: store.ClusterRef{Account: acct, Name: "x"}}), store.ErrInvalid)
	// Same name in another region is another cluster; names are case-sensitive.
	west := testCluster("dev")
	west.Region = "us-west-2"
	must(t, s.CreateCluster(ctx, west))
	must(t, s.CreateCluster(ctx, testCluster("Dev")))

	got, err := s.GetCluster(ctx, c.ClusterRef)
	must(t, err)
	equal(t, "cluster", got, c)
	got, err = s.GetCluster(ctx, west.ClusterRef)
	must(t, err)
	equal(t, "cluster without aws-auth", got, west)
	_, err = s.GetCluster(ctx, store.ClusterRef{Account: acct, Region: "us-east-1", Name: "prod"})
	wantEntityErr(t, err, store.ErrNotFound, store.EntityCluster)

	list, next, err := s.ListClusters(ctx, acct, "us-east-1", store.Page{})
	must(t, err)
	if len(list) != 2 || list[0].Name != "Dev" || list[1].Name != "dev" || next != "" {
		t.Fatalf("clusters = %+v %q", list, next)
	}
	list, next, err = s.ListClusters(ctx, acct, "us-east-1", store.Page{Limit: 1})
	must(t, err)
	if len(list) != 1 || list[0].Name != "Dev" || next == "" {
		t.Fatalf("first cluster page = %+v %q", list, next)
	}
	list, next, err = s.ListClusters(ctx, acct, "us-east-1", store.Page{Limit: 1, Marker: next})
	must(t, err)
	if len(list) != 1 || list[0].Name != "dev" || next != "" {
		t.Fatalf("second cluster page = %+v %q", list, next)
	}

	must(t, s.UpdateCluster(ctx, c.ClusterRef, func(c *store.Cluster) error {
		c.AuthenticationMode = store.AuthModeAPI
		c.AWSAuth = nil
		c.Version = "1.33"
		c.Tags["more"] = "x"
		return nil
	}))
	got, err = s.GetCluster(ctx, c.ClusterRef)
	must(t, err)
	want := c
	want.AuthenticationMode, want.AWSAuth, want.Version, want.Tags = store.AuthModeAPI, nil, "1.33", map[string]string{"env": "dev", "more": "x"}
	equal(t, "updated cluster", got, want)
	wantErr(t, s.UpdateCluster(ctx, c.ClusterRef, func(c *store.Cluster) error { c.ARN = "x"; return nil }), store.ErrInvalid)

	// Deleting a cluster deletes its access entries, their associations and
	// its pod identity associations.
	must(t, s.CreateAccessEntry(ctx, store.AccessEntry{Cluster: c.ClusterRef, PrincipalARN: "arn:aws:iam::111122223333:role/a", Type: "STANDARD"}))
	must(t, s.AssociateAccessPolicy(ctx, c.ClusterRef, "arn:aws:iam::111122223333:role/a", store.AccessPolicyAssociation{
		PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", AccessScope: store.AccessScope{Type: store.ScopeCluster}}))
	must(t, s.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: c.ClusterRef, AssociationID: "a-1", Namespace: "ns", ServiceAccount: "sa", RoleARN: "r"}))
	must(t, s.DeleteCluster(ctx, c.ClusterRef))
	wantEntityErr(t, s.DeleteCluster(ctx, c.ClusterRef), store.ErrNotFound, store.EntityCluster)
	must(t, s.CreateCluster(ctx, testCluster("dev")))
	entries, _, err := s.ListAccessEntries(ctx, c.ClusterRef, store.Page{})
	must(t, err)
	if len(entries) != 0 {
		t.Fatalf("access entries survived their cluster: %+v", entries)
	}
	_, err = s.FindPodIdentityAssociation(ctx, c.ClusterRef, "ns", "sa")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPodIdentityAssociation)
}

func testAccessEntries(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	c := testCluster("dev")
	ref := c.ClusterRef
	roleA := "arn:aws:iam::111122223333:role/a"
	e := store.AccessEntry{
		Cluster: ref, PrincipalARN: roleA, KubernetesGroups: []string{"devs", "viewers"}, Username: "a:{{SessionName}}", Type: "STANDARD",
		CreatedAt: at(60), ModifiedAt: at(60), Tags: map[string]string{"t": "1"}, AccessEntryARN: "arn:aws:eks:us-east-1:111122223333:access-entry/dev/role/111122223333/a/x",
	}
	wantEntityErr(t, s.CreateAccessEntry(ctx, e), store.ErrNotFound, store.EntityCluster)
	_, _, err := s.ListAccessEntries(ctx, ref, store.Page{})
	wantEntityErr(t, err, store.ErrNotFound, store.EntityCluster)
	must(t, s.CreateCluster(ctx, c))
	must(t, s.CreateAccessEntry(ctx, e))
	wantEntityErr(t, s.CreateAccessEntry(ctx, e), store.ErrAlreadyExists, store.EntityAccessEntry)
	wantErr(t, s.CreateAccessEntry(ctx, store.AccessEntry{Cluster: ref}), store.ErrInvalid)

	got, err := s.GetAccessEntry(ctx, ref, roleA)
	must(t, err)
	equal(t, "access entry", got, e)
	_, err = s.GetAccessEntry(ctx, ref, "arn:aws:iam::111122223333:role/A")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityAccessEntry)
	_, err = s.GetAccessEntry(ctx, store.ClusterRef{Account: acct, Region: "us-east-1", Name: "nope"}, roleA)
	wantEntityErr(t, err, store.ErrNotFound, store.EntityCluster)

	for i := range 5 {
		must(t, s.CreateAccessEntry(ctx, store.AccessEntry{Cluster: ref, PrincipalARN: fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i), Type: "STANDARD"}))
	}
	var all []string
	marker := ""
	for {
		page, next, err := s.ListAccessEntries(ctx, ref, store.Page{Limit: 2, Marker: marker})
		must(t, err)
		for _, e := range page {
			all = append(all, e.PrincipalARN)
		}
		if next == "" {
			break
		}
		marker = next
	}
	equal(t, "entries", all, []string{roleA, "arn:aws:iam::111122223333:user/u0", "arn:aws:iam::111122223333:user/u1",
		"arn:aws:iam::111122223333:user/u2", "arn:aws:iam::111122223333:user/u3", "arn:aws:iam::111122223333:user/u4"})

	must(t, s.UpdateAccessEntry(ctx, ref, roleA, func(e *store.AccessEntry) error {
		e.KubernetesGroups = []string{"admins"}
		e.Username = "admin"
		e.ModifiedAt = at(61)
		return nil
	}))
	got, err = s.GetAccessEntry(ctx, ref, roleA)
	must(t, err)
	want := e
	want.KubernetesGroups, want.Username, want.ModifiedAt = []string{"admins"}, "admin", at(61)
	equal(t, "updated entry", got, want)
	wantErr(t, s.UpdateAccessEntry(ctx, ref, roleA, func(e *store.AccessEntry) error { e.PrincipalARN = "x"; return nil }), store.ErrInvalid)

	// Access policy associations: upsert keeps the first AssociatedAt.
	view := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	admin := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"
	wantEntityErr(t, s.AssociateAccessPolicy(ctx, ref, "arn:none", store.AccessPolicyAssociation{PolicyARN: view}), store.ErrNotFound, store.EntityAccessEntry)
	must(t, s.AssociateAccessPolicy(ctx, ref, roleA, store.AccessPolicyAssociation{PolicyARN: view, AccessScope: store.AccessScope{Type: store.ScopeCluster}, AssociatedAt: at(70), ModifiedAt: at(70)}))
	must(t, s.AssociateAccessPolicy(ctx, ref, roleA, store.AccessPolicyAssociation{PolicyARN: admin, AccessScope: store.AccessScope{Type: store.ScopeNamespace, Namespaces: []string{"a", "b"}}, AssociatedAt: at(71), ModifiedAt: at(71)}))
	must(t, s.AssociateAccessPolicy(ctx, ref, roleA, store.AccessPolicyAssociation{PolicyARN: view, AccessScope: store.AccessScope{Type: store.ScopeNamespace, Namespaces: []string{"x"}}, AssociatedAt: at(72), ModifiedAt: at(72)}))
	assoc, err := s.ListAccessPolicyAssociations(ctx, ref, roleA)
	must(t, err)
	equal(t, "associations", assoc, []store.AccessPolicyAssociation{
		{PolicyARN: admin, AccessScope: store.AccessScope{Type: store.ScopeNamespace, Namespaces: []string{"a", "b"}}, AssociatedAt: at(71), ModifiedAt: at(71)},
		{PolicyARN: view, AccessScope: store.AccessScope{Type: store.ScopeNamespace, Namespaces: []string{"x"}}, AssociatedAt: at(70), ModifiedAt: at(72)},
	})
	_, err = s.ListAccessPolicyAssociations(ctx, ref, "arn:none")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityAccessEntry)
	must(t, s.DisassociateAccessPolicy(ctx, ref, roleA, admin))
	wantEntityErr(t, s.DisassociateAccessPolicy(ctx, ref, roleA, admin), store.ErrNotFound, store.EntityAccessPolicyAssociation)

	// Deleting the entry deletes its associations.
	must(t, s.DeleteAccessEntry(ctx, ref, roleA))
	wantEntityErr(t, s.DeleteAccessEntry(ctx, ref, roleA), store.ErrNotFound, store.EntityAccessEntry)
	must(t, s.CreateAccessEntry(ctx, store.AccessEntry{Cluster: ref, PrincipalARN: roleA}))
	assoc, err = s.ListAccessPolicyAssociations(ctx, ref, roleA)
	must(t, err)
	if len(assoc) != 0 {
		t.Fatalf("associations survived their entry: %+v", assoc)
	}
}

func testPodIdentityAssociations(t *testing.T, s store.Store) {
	ctx := ctxOf(t)
	newAccount(t, s, acct)
	c := testCluster("dev")
	ref := c.ClusterRef
	a := store.PodIdentityAssociation{
		Cluster: ref, AssociationID: "a-0123456789abcdef0", Namespace: "default", ServiceAccount: "app",
		RoleARN: "arn:aws:iam::111122223333:role/app", TargetRoleARN: "arn:aws:iam::444455556666:role/x", DisableSessionTags: true,
		AssociationARN: "arn:aws:eks:us-east-1:111122223333:podidentityassociation/dev/a-0123456789abcdef0",
		Tags:           map[string]string{"k": "v"}, CreatedAt: at(80), ModifiedAt: at(80),
	}
	wantEntityErr(t, s.CreatePodIdentityAssociation(ctx, a), store.ErrNotFound, store.EntityCluster)
	_, err := s.FindPodIdentityAssociation(ctx, ref, "default", "app")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityCluster)
	must(t, s.CreateCluster(ctx, c))
	must(t, s.CreatePodIdentityAssociation(ctx, a))
	wantEntityErr(t, s.CreatePodIdentityAssociation(ctx, a), store.ErrAlreadyExists, store.EntityPodIdentityAssociation)
	// One association per service account, whatever its ID.
	dup := a
	dup.AssociationID = "a-other"
	wantEntityErr(t, s.CreatePodIdentityAssociation(ctx, dup), store.ErrAlreadyExists, store.EntityPodIdentityAssociation)
	// And IDs are unique per cluster.
	dup = a
	dup.ServiceAccount = "other"
	wantEntityErr(t, s.CreatePodIdentityAssociation(ctx, dup), store.ErrAlreadyExists, store.EntityPodIdentityAssociation)
	wantErr(t, s.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: ref, AssociationID: "a-x"}), store.ErrInvalid)

	got, err := s.GetPodIdentityAssociation(ctx, ref, a.AssociationID)
	must(t, err)
	equal(t, "association", got, a)
	got, err = s.FindPodIdentityAssociation(ctx, ref, "default", "app")
	must(t, err)
	equal(t, "found association", got, a)
	_, err = s.FindPodIdentityAssociation(ctx, ref, "default", "App")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPodIdentityAssociation)
	_, err = s.GetPodIdentityAssociation(ctx, ref, "a-none")
	wantEntityErr(t, err, store.ErrNotFound, store.EntityPodIdentityAssociation)

	type nsSA struct{ ns, sa string }
	for i, k := range []nsSA{{"kube-system", "b"}, {"default", "zz"}, {"kube-system", "a"}, {"apps", "x"}} {
		must(t, s.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: ref, AssociationID: fmt.Sprintf("a-%d", i),
			Namespace: k.ns, ServiceAccount: k.sa, RoleARN: "arn:aws:iam::111122223333:role/r"}))
	}
	collect := func(opts store.PodIdentityListOptions) []nsSA {
		var out []nsSA
		for {
			page, next, err := s.ListPodIdentityAssociations(ctx, ref, opts)
			must(t, err)
			for _, a := range page {
				out = append(out, nsSA{a.Namespace, a.ServiceAccount})
			}
			if next == "" {
				return out
			}
			opts.Marker = next
		}
	}
	equal(t, "associations", collect(store.PodIdentityListOptions{Page: store.Page{Limit: 2}}),
		[]nsSA{{"apps", "x"}, {"default", "app"}, {"default", "zz"}, {"kube-system", "a"}, {"kube-system", "b"}})
	equal(t, "kube-system associations", collect(store.PodIdentityListOptions{Namespace: "kube-system", Page: store.Page{Limit: 1}}),
		[]nsSA{{"kube-system", "a"}, {"kube-system", "b"}})
	equal(t, "x associations", collect(store.PodIdentityListOptions{ServiceAccount: "x"}), []nsSA{{"apps", "x"}})
	_, _, err = s.ListPodIdentityAssociations(ctx, store.ClusterRef{Account: acct, Region: "us-east-1", Name: "none"}, store.PodIdentityListOptions{})
	wantEntityErr(t, err, store.ErrNotFound, store.EntityCluster)

	must(t, s.UpdatePodIdentityAssociation(ctx, ref, a.AssociationID, func(a *store.PodIdentityAssociation) error {
		a.RoleARN = "arn:aws:iam::111122223333:role/new"
		a.TargetRoleARN = ""
		a.DisableSessionTags = false
		a.ModifiedAt = at(81)
		return nil
	}))
	got, err = s.FindPodIdentityAssociation(ctx, ref, "default", "app")
	must(t, err)
	want := a
	want.RoleARN, want.TargetRoleARN, want.DisableSessionTags, want.ModifiedAt = "arn:aws:iam::111122223333:role/new", "", false, at(81)
	equal(t, "updated association", got, want)
	wantErr(t, s.UpdatePodIdentityAssociation(ctx, ref, a.AssociationID, func(a *store.PodIdentityAssociation) error { a.Namespace = "x"; return nil }), store.ErrInvalid)
	wantErr(t, s.UpdatePodIdentityAssociation(ctx, ref, "a-none", func(*store.PodIdentityAssociation) error { return nil }), store.ErrNotFound)

	must(t, s.DeletePodIdentityAssociation(ctx, ref, a.AssociationID))
	wantEntityErr(t, s.DeletePodIdentityAssociation(ctx, ref, a.AssociationID), store.ErrNotFound, store.EntityPodIdentityAssociation)
	_, err = s.FindPodIdentityAssociation(ctx, ref, "default", "app")
	wantErr(t, err, store.ErrNotFound)
	// The service account and the ID are free again.
	must(t, s.CreatePodIdentityAssociation(ctx, a))
}
