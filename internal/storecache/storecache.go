// Package storecache is the request path's view of the store: typed,
// parsed and cached reads (access keys with their opened secrets, roles with
// parsed trust policies, principals' parsed identity policies, OIDC
// providers, clusters, pod identity associations, managed policies) that
// stay correct across replicas.
//
// Every entry is tagged with the store Revision it was read at. The cache
// learns the current revision from the store at most once per PollInterval,
// and immediately after Invalidate — which this process calls after each of
// its own writes — so a replica sees its own writes at once and other
// replicas' writes within PollInterval. When the revision moves, the whole
// cache is dropped: writes are rare and reads are many.
//
// The cache never logs and never exposes a secret except through
// AccessKey's return value.
package storecache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// DefaultPollInterval bounds how stale another replica's writes may look.
const DefaultPollInterval = 250 * time.Millisecond

// DefaultMaxEntries bounds the cache; past it, the cache starts over.
const DefaultMaxEntries = 200_000

// Options configure a Cache.
type Options struct {
	// OpenSecret opens a sealed secret access key. Required for AccessKey.
	OpenSecret func(accessKeyID string, sealed []byte) (string, error)
	// PollInterval; if zero, DefaultPollInterval.
	PollInterval time.Duration
	// MaxEntries; if zero, DefaultMaxEntries.
	MaxEntries int
	// Now; if nil, time.Now.
	Now func() time.Time
}

// Cache is a revision-checked cache over a store.Store. It is safe for
// concurrent use.
type Cache struct {
	st   store.Store
	opts Options

	mu      sync.RWMutex
	rev     int64
	entries map[key]any

	lastPoll atomic.Int64 // unix nanos of the last Revision read
	// writes counts this process's writes (Invalidate); polled is the
	// count the cached revision is known to include. They differ while a
	// local write may not be visible yet: reads then wait for a poll.
	writes, polled atomic.Uint64
	pollMu         sync.Mutex
}

type key struct {
	kind  uint8
	a, b  string
	c, d  string
	extra string
}

const (
	kAccessKey uint8 = iota + 1
	kRole
	kPrincipal
	kManaged
	kProvider
	kCluster
	kAssociation
	kUser
	kDocument
)

// New returns a cache over st.
func New(st store.Store, opts Options) *Cache {
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Cache{st: st, opts: opts, entries: map[key]any{}, rev: -1}
	c.writes.Store(1) // nothing polled yet
	return c
}

// Store returns the underlying store.
func (c *Cache) Store() store.Store { return c.st }

// Invalidate makes the next read check the store's revision. Call it after
// every write this process makes.
func (c *Cache) Invalidate() { c.writes.Add(1) }

// refresh brings the cached revision up to date if it may be stale.
//
// After a local write (Invalidate), every read waits until a poll that
// started after the write has completed, so this process reads its own
// writes. Otherwise the revision is polled once per PollInterval, and while
// one request polls the others go on with the cache as it is: stale by at
// most PollInterval plus that poll, the bound for other replicas' writes.
func (c *Cache) refresh(ctx context.Context) error {
	now := c.opts.Now().UnixNano()
	if c.writes.Load() == c.polled.Load() {
		if now-c.lastPoll.Load() < int64(c.opts.PollInterval) {
			return nil
		}
		if !c.pollMu.TryLock() {
			return nil // another request is polling
		}
	} else {
		c.pollMu.Lock()
	}
	defer c.pollMu.Unlock()
	w := c.writes.Load()
	if w == c.polled.Load() && now-c.lastPoll.Load() < int64(c.opts.PollInterval) {
		return nil // polled while we waited
	}
	rev, err := c.st.Revision(ctx)
	if err != nil {
		return err
	}
	c.lastPoll.Store(now)
	c.mu.Lock()
	if rev != c.rev {
		c.rev = rev
		c.entries = make(map[key]any, len(c.entries))
	}
	c.mu.Unlock()
	// Writes counted up to w happened before Revision was read: the cache
	// now reflects them. Later ones keep writes ahead of polled.
	c.polled.Store(w)
	return nil
}

// get returns the cached value for k, loading it with load on a miss.
// Errors (including ErrNotFound) are not cached.
func get[T any](ctx context.Context, c *Cache, k key, load func() (T, error)) (T, error) {
	var zero T
	if err := c.refresh(ctx); err != nil {
		return zero, err
	}
	c.mu.RLock()
	v, ok := c.entries[k]
	rev := c.rev
	c.mu.RUnlock()
	if ok {
		return v.(T), nil
	}
	val, err := load()
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	if c.rev == rev {
		if len(c.entries) >= c.opts.MaxEntries {
			c.entries = make(map[key]any)
		}
		c.entries[k] = val
	}
	c.mu.Unlock()
	return val, nil
}

// AccessKey is a long-term access key with its opened secret.
type AccessKey struct {
	store.AccessKey
	Secret string
	// User is the key's user; nil for an account root key.
	User *store.User
}

// AccessKey returns the key with its secret opened, and its user.
func (c *Cache) AccessKey(ctx context.Context, id string) (*AccessKey, error) {
	return get(ctx, c, key{kind: kAccessKey, a: id}, func() (*AccessKey, error) {
		k, err := c.st.GetAccessKey(ctx, id)
		if err != nil {
			return nil, err
		}
		if c.opts.OpenSecret == nil {
			return nil, errors.New("storecache: no OpenSecret")
		}
		secret, err := c.opts.OpenSecret(k.AccessKeyID, k.SecretCiphertext)
		if err != nil {
			return nil, err
		}
		out := &AccessKey{AccessKey: k, Secret: secret}
		out.SecretCiphertext = nil
		if k.UserName != "" {
			u, err := c.st.GetUser(ctx, k.Account, k.UserName)
			if err != nil {
				return nil, err
			}
			out.User = &u
		}
		return out, nil
	})
}

// User returns a user.
func (c *Cache) User(ctx context.Context, account, name string) (*store.User, error) {
	return get(ctx, c, key{kind: kUser, a: account, b: foldKey(name)}, func() (*store.User, error) {
		u, err := c.st.GetUser(ctx, account, name)
		if err != nil {
			return nil, err
		}
		return &u, nil
	})
}

// Role is a role with its parsed trust policy.
type Role struct {
	store.Role
	// Trust is the parsed trust policy; nil if it no longer parses (then
	// nobody can assume the role).
	Trust *policy.Policy
	// ARN is the role's ARN with its path.
	ARN string
}

// Role returns a role by account and name (case-insensitive, as IAM).
func (c *Cache) Role(ctx context.Context, partition, account, name string) (*Role, error) {
	return get(ctx, c, key{kind: kRole, a: account, b: foldKey(name)}, func() (*Role, error) {
		r, err := c.st.GetRole(ctx, account, name)
		if err != nil {
			return nil, err
		}
		out := &Role{Role: r, ARN: "arn:" + partitionOr(partition) + ":iam::" + r.Account + ":role" + r.Path + r.Name}
		if p, err := policy.Parse(r.TrustPolicy, policy.KindTrust, 0); err == nil {
			p.SetID("trust policy of role/" + r.Name)
			p.SetSourceType("resource")
			out.Trust = p
		}
		return out, nil
	})
}

func partitionOr(p string) string {
	if p == "" {
		return "aws"
	}
	return p
}

// Policies are a user's or role's parsed identity policies and boundary.
type Policies struct {
	Identity []*policy.Policy
	// Boundary is the permissions boundary, nil if none.
	Boundary *policy.Policy
	// Tags are the principal's tags (aws:PrincipalTag).
	Tags map[string]string
}

// PrincipalPolicies returns the parsed identity policies and boundary of a
// user or role. Documents that no longer parse are skipped (they cannot
// grant anything).
func (c *Cache) PrincipalPolicies(ctx context.Context, owner store.Principal, boundaryARN string, tags map[string]string) (*Policies, error) {
	return get(ctx, c, key{kind: kPrincipal, a: string(owner.Kind), b: owner.Account, c: foldKey(owner.Name), d: boundaryARN}, func() (*Policies, error) {
		pp, err := c.st.GetPrincipalPolicies(ctx, owner)
		if err != nil {
			return nil, err
		}
		out := &Policies{Tags: tags}
		for _, p := range pp.Inline {
			if parsed := c.parse(ctx, p.Document, policy.KindIdentity, string(owner.Kind)+"/"+owner.Name+" inline policy "+p.Name, "IAM Policy"); parsed != nil {
				out.Identity = append(out.Identity, parsed)
			}
		}
		for _, p := range pp.Attached {
			if parsed := c.parse(ctx, p.Document, policy.KindIdentity, p.PolicyARN, "IAM Policy"); parsed != nil {
				out.Identity = append(out.Identity, parsed)
			}
		}
		if boundaryARN != "" {
			doc, err := c.ManagedPolicyDocument(ctx, boundaryARN)
			if err == nil {
				out.Boundary = c.parse(ctx, doc, policy.KindIdentity, boundaryARN+" (permissions boundary)", "PermissionsBoundary")
			}
			if out.Boundary == nil {
				// A boundary that is missing or broken allows nothing.
				out.Boundary = policy.MustParse(`{"Version":"2012-10-17","Statement":[]}`, policy.KindIdentity)
				out.Boundary.SetID(boundaryARN + " (permissions boundary, missing)")
			}
		}
		return out, nil
	})
}

// parse parses a document, sharing parsed policies between identical
// documents with the same ID.
func (c *Cache) parse(ctx context.Context, doc string, kind policy.Kind, id, sourceType string) *policy.Policy {
	p, err := get(ctx, c, key{kind: kDocument, a: doc, b: id, c: sourceType, extra: string(rune('0' + kind))}, func() (*policy.Policy, error) {
		p, err := policy.Parse(doc, kind, 0)
		if err != nil {
			return nil, err
		}
		p.SetID(id)
		p.SetSourceType(sourceType)
		return p, nil
	})
	if err != nil {
		return nil
	}
	return p
}

// ManagedPolicyDocument returns the default version's document of a
// managed policy.
func (c *Cache) ManagedPolicyDocument(ctx context.Context, policyARN string) (string, error) {
	return get(ctx, c, key{kind: kManaged, a: policyARN}, func() (string, error) {
		p, err := c.st.GetPolicy(ctx, policyARN)
		if err != nil {
			return "", err
		}
		for _, v := range p.Versions {
			if v.VersionID == p.DefaultVersionID {
				return v.Document, nil
			}
		}
		return "", &store.Error{Err: store.ErrNotFound, Entity: store.EntityPolicyVersion, Name: p.DefaultVersionID}
	})
}

// SessionPolicy parses a managed policy used as a session policy.
func (c *Cache) SessionPolicy(ctx context.Context, policyARN string) (*policy.Policy, error) {
	doc, err := c.ManagedPolicyDocument(ctx, policyARN)
	if err != nil {
		return nil, err
	}
	p := c.parse(ctx, doc, policy.KindIdentity, policyARN+" (session policy)", "Session Policy")
	if p == nil {
		return nil, errors.New("session policy does not parse")
	}
	return p, nil
}

// OIDCProvider returns an account's OIDC provider by URL (host/path, no scheme).
func (c *Cache) OIDCProvider(ctx context.Context, account, url string) (*store.OIDCProvider, error) {
	return get(ctx, c, key{kind: kProvider, a: account, b: url}, func() (*store.OIDCProvider, error) {
		p, err := c.st.GetOIDCProvider(ctx, account, url)
		if err != nil {
			return nil, err
		}
		return &p, nil
	})
}

// Cluster returns a cluster.
func (c *Cache) Cluster(ctx context.Context, ref store.ClusterRef) (*store.Cluster, error) {
	return get(ctx, c, key{kind: kCluster, a: ref.Account, b: ref.Region, c: ref.Name}, func() (*store.Cluster, error) {
		cl, err := c.st.GetCluster(ctx, ref)
		if err != nil {
			return nil, err
		}
		return &cl, nil
	})
}

// PodIdentityAssociation returns the association of a service account.
func (c *Cache) PodIdentityAssociation(ctx context.Context, ref store.ClusterRef, namespace, serviceAccount string) (*store.PodIdentityAssociation, error) {
	return get(ctx, c, key{kind: kAssociation, a: ref.Account, b: ref.Region, c: ref.Name, d: namespace, extra: serviceAccount}, func() (*store.PodIdentityAssociation, error) {
		a, err := c.st.FindPodIdentityAssociation(ctx, ref, namespace, serviceAccount)
		if err != nil {
			return nil, err
		}
		return &a, nil
	})
}

func foldKey(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}
