package world

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ExportOptions control Export.
type ExportOptions struct {
	// Partition and Region are written at the top of the file; Region is
	// also the default region clusters are compared against.
	Partition, Region string
	// Regions are the regions searched for clusters (the store lists
	// clusters per account and region). Region is always searched.
	Regions []string
	// OpenSecret opens a sealed secret access key. If nil, access keys are
	// left out of the export.
	OpenSecret func(accessKeyID string, sealed []byte) (string, error)
}

// Regions is the list of AWS regions Export searches for clusters by
// default.
var Regions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"af-south-1", "ap-east-1", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
	"ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1",
	"ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
	"us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
}

// Export reads the store and returns a world file that, applied to an
// empty store, reproduces its IAM and EKS state: accounts, users with
// their access keys (active and inactive alike; world files carry no key
// status), roles, customer managed policies (their default version),
// inline policies, attachments, permissions boundaries, OIDC providers,
// clusters with access entries and pod identity associations. What world
// files cannot express is left out: IDs, creation dates, non-default policy
// versions, last-used information and AWS managed policies (they are
// built in). Export reads without a transaction; run it against a quiet
// server for an exact snapshot.
func Export(ctx context.Context, st store.Store, o ExportOptions) (*File, error) {
	accounts, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	f := &File{Partition: o.Partition, Region: o.Region}
	for _, acc := range accounts {
		if acc.ID == store.AWSAccount {
			continue
		}
		a, err := exportAccount(ctx, st, acc, o)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", acc.ID, err)
		}
		f.Accounts = append(f.Accounts, a)
	}
	regions := append([]string{o.Region}, o.Regions...)
	seen := map[string]bool{}
	for _, acc := range f.Accounts {
		for _, region := range regions {
			if region == "" || seen[acc.ID+"/"+region] {
				continue
			}
			seen[acc.ID+"/"+region] = true
			cs, err := exportClusters(ctx, st, acc.ID, region, o.Region)
			if err != nil {
				return nil, fmt.Errorf("clusters of %s in %s: %w", acc.ID, region, err)
			}
			f.Clusters = append(f.Clusters, cs...)
		}
	}
	return f, nil
}

// listAll collects every page of a store listing.
func listAll[T any](list func(marker string) ([]T, string, error)) ([]T, error) {
	var all []T
	marker := ""
	for {
		page, next, err := list(marker)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		marker = next
	}
}

func exportAccount(ctx context.Context, st store.Store, acc store.Account, o ExportOptions) (Account, error) {
	out := Account{ID: acc.ID, Alias: acc.Alias}
	keys := func(user string) ([]Key, error) {
		if o.OpenSecret == nil {
			return nil, nil
		}
		ks, err := st.ListAccessKeys(ctx, acc.ID, user)
		if err != nil {
			return nil, err
		}
		var out []Key
		for _, k := range ks {
			secret, err := o.OpenSecret(k.AccessKeyID, k.SecretCiphertext)
			if err != nil {
				return nil, fmt.Errorf("access key %s: cannot open its secret with this server key: %w", k.AccessKeyID, err)
			}
			out = append(out, Key{AccessKeyID: k.AccessKeyID, SecretAccessKey: secret})
		}
		return out, nil
	}
	root, err := keys("")
	if err != nil {
		return out, err
	}
	if len(root) > 0 {
		out.Root = &root[0]
	}

	policies, err := listAll(func(m string) ([]store.ManagedPolicy, string, error) {
		return st.ListPolicies(ctx, store.PolicyListOptions{ListOptions: store.ListOptions{Page: store.Page{Marker: m, Limit: 1000}}, Account: acc.ID, Scope: store.ScopeLocal})
	})
	if err != nil {
		return out, err
	}
	for _, p := range policies {
		full, err := st.GetPolicy(ctx, p.ARN)
		if err != nil {
			return out, err
		}
		var doc string
		for _, v := range full.Versions {
			if v.VersionID == full.DefaultVersionID {
				doc = v.Document
			}
		}
		out.Policies = append(out.Policies, Policy{Name: full.Name, Path: full.Path, Description: full.Description, Document: Document{JSON: doc}})
	}

	owned := func(owner store.Principal) (map[string]Document, []string, error) {
		inline, err := listAll(func(m string) ([]store.InlinePolicy, string, error) {
			return st.ListInlinePolicies(ctx, owner, store.Page{Marker: m, Limit: 1000})
		})
		if err != nil {
			return nil, nil, err
		}
		var docs map[string]Document
		for _, p := range inline {
			if docs == nil {
				docs = map[string]Document{}
			}
			docs[p.Name] = Document{JSON: p.Document}
		}
		attached, err := listAll(func(m string) ([]store.AttachedPolicy, string, error) {
			return st.ListAttachedPolicies(ctx, owner, store.ListOptions{Page: store.Page{Marker: m, Limit: 1000}})
		})
		if err != nil {
			return nil, nil, err
		}
		var arns []string
		for _, a := range attached {
			arns = append(arns, a.PolicyARN)
		}
		return docs, arns, nil
	}

	users, err := listAll(func(m string) ([]store.User, string, error) {
		return st.ListUsers(ctx, acc.ID, store.ListOptions{Page: store.Page{Marker: m, Limit: 1000}})
	})
	if err != nil {
		return out, err
	}
	for _, u := range users {
		w := User{Name: u.Name, Path: u.Path, PermissionsBoundary: u.PermissionsBoundaryARN, Tags: u.Tags}
		if w.AccessKeys, err = keys(u.Name); err != nil {
			return out, err
		}
		if w.Policies, w.ManagedPolicies, err = owned(store.Principal{Kind: store.KindUser, Account: acc.ID, Name: u.Name}); err != nil {
			return out, err
		}
		out.Users = append(out.Users, w)
	}

	roles, err := listAll(func(m string) ([]store.Role, string, error) {
		return st.ListRoles(ctx, acc.ID, store.ListOptions{Page: store.Page{Marker: m, Limit: 1000}})
	})
	if err != nil {
		return out, err
	}
	for _, r := range roles {
		w := Role{Name: r.Name, Path: r.Path, Description: r.Description, MaxSessionDuration: r.MaxSessionDuration,
			TrustPolicy: Document{JSON: r.TrustPolicy}, PermissionsBoundary: r.PermissionsBoundaryARN, Tags: r.Tags}
		if w.Policies, w.ManagedPolicies, err = owned(store.Principal{Kind: store.KindRole, Account: acc.ID, Name: r.Name}); err != nil {
			return out, err
		}
		out.Roles = append(out.Roles, w)
	}

	providers, err := st.ListOIDCProviders(ctx, acc.ID)
	if err != nil {
		return out, err
	}
	for _, p := range providers {
		out.OIDCProviders = append(out.OIDCProviders, OIDCProvider{URL: "https://" + p.URL, ClientIDs: p.ClientIDs, Thumbprints: p.Thumbprints, Tags: p.Tags, CA: p.CABundle})
	}
	return out, nil
}

// pemText returns a CA as PEM text whether the store holds PEM or the
// base64 of PEM (DescribeCluster's form).
func pemText(ca string) string {
	if ca == "" || strings.Contains(ca, "-----BEGIN") {
		return ca
	}
	if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ca)); err == nil && strings.Contains(string(b), "-----BEGIN") {
		return string(b)
	}
	return ca
}

func exportClusters(ctx context.Context, st store.Store, account, region, defaultRegion string) ([]Cluster, error) {
	clusters, err := listAll(func(m string) ([]store.Cluster, string, error) {
		return st.ListClusters(ctx, account, region, store.Page{Marker: m, Limit: 100})
	})
	if err != nil {
		return nil, err
	}
	var out []Cluster
	for _, c := range clusters {
		w := Cluster{Name: c.Name, Account: c.Account, AuthenticationMode: c.AuthenticationMode, OIDCIssuer: c.OIDCIssuer,
			OIDCIssuerCA: c.OIDCIssuerCABundle, Endpoint: c.Endpoint, CertificateAuthority: pemText(c.CertificateAuthority),
			Version: c.Version, Tags: c.Tags}
		if region != defaultRegion {
			w.Region = region
		}
		if c.AWSAuth != nil {
			w.AWSAuth = &AWSAuth{MapRoles: c.AWSAuth.MapRoles, MapUsers: c.AWSAuth.MapUsers, MapAccounts: c.AWSAuth.MapAccounts}
		}
		entries, err := listAll(func(m string) ([]store.AccessEntry, string, error) {
			return st.ListAccessEntries(ctx, c.ClusterRef, store.Page{Marker: m, Limit: 100})
		})
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			we := AccessEntry{PrincipalARN: e.PrincipalARN, Username: e.Username, KubernetesGroups: e.KubernetesGroups, Type: e.Type}
			aps, err := st.ListAccessPolicyAssociations(ctx, c.ClusterRef, e.PrincipalARN)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			for _, ap := range aps {
				we.AccessPolicies = append(we.AccessPolicies, AccessPolicy{PolicyARN: ap.PolicyARN, AccessScope: AccessScope{Type: ap.AccessScope.Type, Namespaces: ap.AccessScope.Namespaces}})
			}
			w.AccessEntries = append(w.AccessEntries, we)
		}
		assocs, err := listAll(func(m string) ([]store.PodIdentityAssociation, string, error) {
			return st.ListPodIdentityAssociations(ctx, c.ClusterRef, store.PodIdentityListOptions{Page: store.Page{Marker: m, Limit: 100}})
		})
		if err != nil {
			return nil, err
		}
		sort.Slice(assocs, func(i, j int) bool {
			return assocs[i].Namespace+"/"+assocs[i].ServiceAccount < assocs[j].Namespace+"/"+assocs[j].ServiceAccount
		})
		for _, a := range assocs {
			w.PodIdentityAssociations = append(w.PodIdentityAssociations, PodIdentityAssociation{Namespace: a.Namespace, ServiceAccount: a.ServiceAccount,
				RoleARN: a.RoleARN, TargetRoleARN: a.TargetRoleARN, DisableSessionTags: a.DisableSessionTags, Tags: a.Tags})
		}
		out = append(out, w)
	}
	return out, nil
}
