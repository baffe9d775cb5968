package world

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/store"
)

// DefaultRegion is the region used when the world file names none.
const DefaultRegion = "us-east-1"

// Deps are what Apply needs from the rest of trustbridge.
type Deps struct {
	// NewID returns a new unique ID with an AWS prefix (AIDA, AROA, ANPA).
	NewID func(prefix string) string
	// NewAssociationID returns a new pod identity association ID ("a-...").
	NewAssociationID func() string
	// SealSecret seals a secret access key for storage, bound to its key ID.
	SealSecret func(accessKeyID, secret string) ([]byte, error)
	// OpenSecret opens a sealed secret; Apply uses it to leave unchanged
	// keys alone. If nil, declared keys are rewritten on every apply.
	OpenSecret func(accessKeyID string, sealed []byte) (string, error)
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time
	// Progress, if set, is called with the count of applied entities and
	// their total every 5,000 entities, at least every 2 seconds while
	// entities are applied, and once at the end (LogProgress logs them
	// with rates).
	Progress func(done, total int)
}

// Stats counts what Apply did.
type Stats struct {
	Accounts, Users, AccessKeys, Roles, Policies, OIDCProviders, Clusters, AccessEntries, PodIdentityAssociations int
}

func (f *File) partition() string {
	if f.Partition == "" {
		return arn.DefaultPartition
	}
	return f.Partition
}

func (f *File) region() string {
	if f.Region == "" {
		return DefaultRegion
	}
	return f.Region
}

// Apply makes the store hold everything the world declares, in one
// transaction: entities that exist are updated to match, missing ones are
// created, and the inline policies, attachments and access keys of every
// declared user and role become exactly the declared ones. Entities the
// file does not mention are left alone. Applying the same file twice
// changes nothing the second time. On error nothing is written.
func Apply(ctx context.Context, st store.Store, f *File, d Deps) (Stats, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	a := &applier{f: f, d: d, now: d.Now().UTC().Truncate(time.Second), lastReport: progressClock()}
	a.total = countEntities(f)
	err := st.Tx(ctx, func(tx store.Store) error {
		a.st = tx
		return a.apply(ctx)
	})
	return a.stats, err
}

func countEntities(f *File) int {
	n := 0
	for _, a := range f.Accounts {
		n += 1 + len(a.Users) + len(a.Roles) + len(a.Policies) + len(a.OIDCProviders)
	}
	for _, c := range f.Clusters {
		n += 1 + len(c.AccessEntries) + len(c.PodIdentityAssociations)
	}
	return n
}

type applier struct {
	f     *File
	d     Deps
	st    store.Store
	now   time.Time
	stats Stats
	done  int
	total int
	// lastReport is when progress was last reported.
	lastReport time.Time
}

// tick counts one applied entity and reports progress every progressEvery
// entities, after progressInterval, and at the end.
func (a *applier) tick() {
	a.done++
	if a.d.Progress == nil {
		return
	}
	due := a.done%progressEvery == 0 || a.done == a.total
	if !due && a.done%64 != 0 {
		return
	}
	now := progressClock()
	if due || now.Sub(a.lastReport) >= progressInterval {
		a.lastReport = now
		a.d.Progress(a.done, a.total)
	}
}

// pathErr wraps err with the world-file path it concerns.
func pathErr(path string, err error) error {
	var se *store.Error
	if errors.As(err, &se) && errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s: %s %q does not exist (declare it in the world file or create it first)", path, se.Entity, se.Name)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func (a *applier) apply(ctx context.Context) error {
	// Accounts and managed policies first: users and roles refer to them.
	for i := range a.f.Accounts {
		acc := &a.f.Accounts[i]
		p := fmt.Sprintf("accounts[%d]", i)
		if err := a.account(ctx, acc); err != nil {
			return pathErr(p, err)
		}
		for j := range acc.Policies {
			if err := a.policy(ctx, acc.ID, &acc.Policies[j]); err != nil {
				return pathErr(fmt.Sprintf("%s.policies[%d]", p, j), err)
			}
		}
	}
	for i := range a.f.Accounts {
		acc := &a.f.Accounts[i]
		p := fmt.Sprintf("accounts[%d]", i)
		if acc.Root != nil {
			if err := a.key(ctx, acc.ID, "", *acc.Root); err != nil {
				return pathErr(p+".root", err)
			}
		}
		for j := range acc.Users {
			if err := a.user(ctx, acc.ID, &acc.Users[j]); err != nil {
				return pathErr(fmt.Sprintf("%s.users[%d]", p, j), err)
			}
		}
		for j := range acc.Roles {
			if err := a.role(ctx, acc.ID, &acc.Roles[j]); err != nil {
				return pathErr(fmt.Sprintf("%s.roles[%d]", p, j), err)
			}
		}
		for j := range acc.OIDCProviders {
			if err := a.provider(ctx, acc.ID, &acc.OIDCProviders[j]); err != nil {
				return pathErr(fmt.Sprintf("%s.oidcProviders[%d]", p, j), err)
			}
		}
	}
	for i := range a.f.Clusters {
		if err := a.cluster(ctx, &a.f.Clusters[i], fmt.Sprintf("clusters[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) account(ctx context.Context, acc *Account) error {
	a.tick()
	_, err := a.st.GetAccount(ctx, acc.ID)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.Accounts++
		return a.st.CreateAccount(ctx, store.Account{ID: acc.ID, Alias: acc.Alias, CreateDate: a.now})
	}
	if err != nil {
		return err
	}
	return a.st.UpdateAccount(ctx, acc.ID, func(s *store.Account) error {
		s.Alias = acc.Alias
		return nil
	})
}

func (a *applier) policy(ctx context.Context, account string, p *Policy) error {
	a.tick()
	policyARN := arn.Policy(a.f.partition(), account, p.Path, p.Name)
	cur, err := a.st.GetPolicy(ctx, policyARN)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.Policies++
		return a.st.CreatePolicy(ctx, store.ManagedPolicy{
			ARN: policyARN, Account: account, Name: p.Name, Path: normPath(p.Path), PolicyID: a.d.NewID("ANPA"),
			Description: p.Description, DefaultVersionID: "v1", CreateDate: a.now, UpdateDate: a.now,
			Versions: []store.PolicyVersion{{VersionID: "v1", Document: p.Document.JSON, IsDefault: true, CreateDate: a.now}},
		})
	}
	if err != nil {
		return err
	}
	for _, v := range cur.Versions {
		if v.VersionID == cur.DefaultVersionID && v.Document == p.Document.JSON {
			return nil
		}
	}
	if len(cur.Versions) >= store.MaxPolicyVersions {
		// Make room as IAM users do: drop the oldest non-default version.
		sort.Slice(cur.Versions, func(i, j int) bool { return cur.Versions[i].CreateDate.Before(cur.Versions[j].CreateDate) })
		for _, v := range cur.Versions {
			if v.VersionID != cur.DefaultVersionID {
				if err := a.st.DeletePolicyVersion(ctx, policyARN, v.VersionID); err != nil {
					return err
				}
				break
			}
		}
	}
	_, err = a.st.CreatePolicyVersion(ctx, policyARN, store.PolicyVersion{Document: p.Document.JSON, CreateDate: a.now}, true)
	return err
}

func normPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func (a *applier) key(ctx context.Context, account, user string, k Key) error {
	cur, err := a.st.GetAccessKey(ctx, k.AccessKeyID)
	switch {
	case err == nil && cur.Account == account && cur.UserName == user:
		// Keys are immutable in IAM; a changed secret replaces the key.
		if a.d.OpenSecret != nil {
			if old, err := a.d.OpenSecret(k.AccessKeyID, cur.SecretCiphertext); err == nil && old == k.SecretAccessKey {
				return nil
			}
		}
		if err := a.st.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
			return err
		}
	case err == nil:
		return fmt.Errorf("access key %s already belongs to another identity", k.AccessKeyID)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	sealed, err := a.d.SealSecret(k.AccessKeyID, k.SecretAccessKey)
	if err != nil {
		return err
	}
	a.stats.AccessKeys++
	return a.st.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: k.AccessKeyID, Account: account, UserName: user, SecretCiphertext: sealed, Status: store.StatusActive, CreateDate: a.now})
}

func (a *applier) user(ctx context.Context, account string, u *User) error {
	a.tick()
	_, err := a.st.GetUser(ctx, account, u.Name)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.Users++
		err = a.st.CreateUser(ctx, store.User{Account: account, Name: u.Name, Path: normPath(u.Path), UserID: a.d.NewID("AIDA"),
			CreateDate: a.now, PermissionsBoundaryARN: u.PermissionsBoundary, Tags: u.Tags})
	} else if err == nil {
		err = a.st.UpdateUser(ctx, account, u.Name, func(s *store.User) error {
			s.Path = normPath(u.Path)
			s.PermissionsBoundaryARN = u.PermissionsBoundary
			s.Tags = u.Tags
			return nil
		})
	}
	if err != nil {
		return err
	}
	for _, k := range u.AccessKeys {
		if err := a.key(ctx, account, u.Name, k); err != nil {
			return err
		}
	}
	owner := store.Principal{Kind: store.KindUser, Account: account, Name: u.Name}
	return a.ownedPolicies(ctx, owner, u.Policies, u.ManagedPolicies)
}

func (a *applier) role(ctx context.Context, account string, r *Role) error {
	a.tick()
	maxDur := r.MaxSessionDuration
	if maxDur == 0 {
		maxDur = 3600
	}
	_, err := a.st.GetRole(ctx, account, r.Name)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.Roles++
		err = a.st.CreateRole(ctx, store.Role{Account: account, Name: r.Name, Path: normPath(r.Path), RoleID: a.d.NewID("AROA"),
			CreateDate: a.now, TrustPolicy: r.TrustPolicy.JSON, Description: r.Description, MaxSessionDuration: maxDur,
			PermissionsBoundaryARN: r.PermissionsBoundary, Tags: r.Tags})
	} else if err == nil {
		err = a.st.UpdateRole(ctx, account, r.Name, func(s *store.Role) error {
			s.TrustPolicy = r.TrustPolicy.JSON
			s.Description = r.Description
			s.MaxSessionDuration = maxDur
			s.PermissionsBoundaryARN = r.PermissionsBoundary
			s.Tags = r.Tags
			return nil
		})
	}
	if err != nil {
		return err
	}
	owner := store.Principal{Kind: store.KindRole, Account: account, Name: r.Name}
	return a.ownedPolicies(ctx, owner, r.Policies, r.ManagedPolicies)
}

// ownedPolicies makes the owner's inline policies and attachments exactly
// the declared ones.
func (a *applier) ownedPolicies(ctx context.Context, owner store.Principal, inline map[string]Document, managed []string) error {
	have, _, err := a.st.ListInlinePolicies(ctx, owner, store.Page{Limit: 1000})
	if err != nil {
		return err
	}
	for _, p := range have {
		if _, keep := lookupFold(inline, p.Name); !keep {
			if err := a.st.DeleteInlinePolicy(ctx, owner, p.Name); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(inline) {
		doc := inline[name].JSON
		same := false
		for _, p := range have {
			if p.Name == name && p.Document == doc {
				same = true
			}
		}
		if !same {
			if err := a.st.PutInlinePolicy(ctx, store.InlinePolicy{Owner: owner, Name: name, Document: doc}); err != nil {
				return err
			}
		}
	}
	attached, _, err := a.st.ListAttachedPolicies(ctx, owner, store.ListOptions{Page: store.Page{Limit: 1000}})
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, m := range managed {
		want[m] = true
	}
	for _, ap := range attached {
		if !want[ap.PolicyARN] {
			if err := a.st.DetachPolicy(ctx, owner, ap.PolicyARN); err != nil {
				return err
			}
		}
		delete(want, ap.PolicyARN)
	}
	for _, m := range managed {
		if want[m] {
			if err := a.st.AttachPolicy(ctx, owner, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func lookupFold(m map[string]Document, name string) (Document, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return Document{}, false
}

// readPEM returns inline if set, else the content of the file at path.
func readPEM(path, inline string) (string, error) {
	if path == "" {
		return inline, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (a *applier) provider(ctx context.Context, account string, o *OIDCProvider) error {
	a.tick()
	ca, err := readPEM(o.CAFile, o.CA)
	if err != nil {
		return err
	}
	url := arn.ProviderKey(o.URL)
	_, err = a.st.GetOIDCProvider(ctx, account, url)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.OIDCProviders++
		return a.st.CreateOIDCProvider(ctx, store.OIDCProvider{Account: account, URL: url, ClientIDs: o.ClientIDs, Thumbprints: o.Thumbprints, Tags: o.Tags, CreateDate: a.now, CABundle: ca})
	}
	if err != nil {
		return err
	}
	return a.st.UpdateOIDCProvider(ctx, account, url, func(s *store.OIDCProvider) error {
		s.ClientIDs, s.Thumbprints, s.Tags, s.CABundle = o.ClientIDs, o.Thumbprints, o.Tags, ca
		return nil
	})
}

func (a *applier) cluster(ctx context.Context, c *Cluster, p string) error {
	a.tick()
	region := c.Region
	if region == "" {
		region = a.f.region()
	}
	ref := store.ClusterRef{Account: c.Account, Region: region, Name: c.Name}
	issuerCA, err := readPEM(c.OIDCIssuerCAFile, c.OIDCIssuerCA)
	if err != nil {
		return pathErr(p+".oidcIssuerCAFile", err)
	}
	clusterCA, err := readPEM(c.CertificateAuthorityFile, c.CertificateAuthority)
	if err != nil {
		return pathErr(p+".certificateAuthorityFile", err)
	}
	mode := c.AuthenticationMode
	if mode == "" {
		mode = store.AuthModeAPIAndConfigMap
	}
	var awsAuth *store.AWSAuth
	if c.AWSAuth != nil {
		awsAuth = &store.AWSAuth{MapRoles: c.AWSAuth.MapRoles, MapUsers: c.AWSAuth.MapUsers, MapAccounts: c.AWSAuth.MapAccounts}
	}
	version := c.Version
	if version == "" {
		version = "1.32"
	}
	set := func(s *store.Cluster) {
		s.OIDCIssuer, s.OIDCIssuerCABundle = c.OIDCIssuer, issuerCA
		s.Endpoint, s.CertificateAuthority = c.Endpoint, clusterCA
		s.AuthenticationMode, s.Version, s.Tags, s.AWSAuth = mode, version, c.Tags, awsAuth
		s.Status = "ACTIVE"
	}
	_, err = a.st.GetCluster(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.Clusters++
		cl := store.Cluster{ClusterRef: ref, ARN: arn.Cluster(a.f.partition(), region, c.Account, c.Name), CreateDate: a.now}
		set(&cl)
		err = a.st.CreateCluster(ctx, cl)
	} else if err == nil {
		err = a.st.UpdateCluster(ctx, ref, func(s *store.Cluster) error { set(s); return nil })
	}
	if err != nil {
		return pathErr(p, err)
	}
	for i := range c.AccessEntries {
		if err := a.accessEntry(ctx, ref, &c.AccessEntries[i]); err != nil {
			return pathErr(fmt.Sprintf("%s.accessEntries[%d]", p, i), err)
		}
	}
	for i := range c.PodIdentityAssociations {
		if err := a.association(ctx, ref, &c.PodIdentityAssociations[i]); err != nil {
			return pathErr(fmt.Sprintf("%s.podIdentityAssociations[%d]", p, i), err)
		}
	}
	return nil
}

func (a *applier) accessEntry(ctx context.Context, ref store.ClusterRef, e *AccessEntry) error {
	a.tick()
	typ := e.Type
	if typ == "" {
		typ = "STANDARD"
	}
	_, err := a.st.GetAccessEntry(ctx, ref, e.PrincipalARN)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.AccessEntries++
		err = a.st.CreateAccessEntry(ctx, store.AccessEntry{Cluster: ref, PrincipalARN: e.PrincipalARN, KubernetesGroups: e.KubernetesGroups,
			Username: e.Username, Type: typ, CreatedAt: a.now, ModifiedAt: a.now,
			AccessEntryARN: arn.AccessEntry(a.f.partition(), ref.Region, ref.Account, ref.Name, e.PrincipalARN, a.d.NewAssociationID()[2:])})
	} else if err == nil {
		err = a.st.UpdateAccessEntry(ctx, ref, e.PrincipalARN, func(s *store.AccessEntry) error {
			s.KubernetesGroups, s.Username, s.Type = e.KubernetesGroups, e.Username, typ
			return nil
		})
	}
	if err != nil {
		return err
	}
	have, err := a.st.ListAccessPolicyAssociations(ctx, ref, e.PrincipalARN)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, ap := range e.AccessPolicies {
		want[ap.PolicyARN] = true
		if err := a.st.AssociateAccessPolicy(ctx, ref, e.PrincipalARN, store.AccessPolicyAssociation{PolicyARN: ap.PolicyARN,
			AccessScope: store.AccessScope{Type: ap.AccessScope.Type, Namespaces: ap.AccessScope.Namespaces}, AssociatedAt: a.now, ModifiedAt: a.now}); err != nil {
			return err
		}
	}
	for _, h := range have {
		if !want[h.PolicyARN] {
			if err := a.st.DisassociateAccessPolicy(ctx, ref, e.PrincipalARN, h.PolicyARN); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) association(ctx context.Context, ref store.ClusterRef, p *PodIdentityAssociation) error {
	a.tick()
	cur, err := a.st.FindPodIdentityAssociation(ctx, ref, p.Namespace, p.ServiceAccount)
	if errors.Is(err, store.ErrNotFound) {
		a.stats.PodIdentityAssociations++
		id := a.d.NewAssociationID()
		return a.st.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: ref, AssociationID: id, Namespace: p.Namespace,
			ServiceAccount: p.ServiceAccount, RoleARN: p.RoleARN, TargetRoleARN: p.TargetRoleARN, DisableSessionTags: p.DisableSessionTags,
			AssociationARN: arn.PodIdentityAssociation(a.f.partition(), ref.Region, ref.Account, ref.Name, id), Tags: p.Tags, CreatedAt: a.now, ModifiedAt: a.now})
	}
	if err != nil {
		return err
	}
	if cur.RoleARN == p.RoleARN && cur.TargetRoleARN == p.TargetRoleARN && cur.DisableSessionTags == p.DisableSessionTags {
		return nil
	}
	return a.st.UpdatePodIdentityAssociation(ctx, ref, cur.AssociationID, func(s *store.PodIdentityAssociation) error {
		s.RoleARN, s.TargetRoleARN, s.DisableSessionTags, s.Tags, s.ModifiedAt = p.RoleARN, p.TargetRoleARN, p.DisableSessionTags, p.Tags, a.now
		return nil
	})
}
