package kubeserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// clusterAccess is the served cluster's authentication mode, access
// entries and world-file aws-auth data, read from the store. It implements
// awsauth.ClusterLookup and (for the world-file source)
// awsauth.ConfigMapLookup.
//
// Freshness: the app's storecache drops every entry when the store's
// revision moves (at once after this process's own writes, within its
// poll interval for other replicas'), so a cluster pointer that differs
// from the one the snapshot was built from means the store may have
// changed, and the snapshot is rebuilt. Building reads the access entries
// and their policy associations: a few queries, only after a change.
type clusterAccess struct {
	cache *storecache.Cache
	ref   store.ClusterRef
	log   *slog.Logger

	mu  sync.Mutex // serialises rebuilds; guards cur
	cur *accessSnapshot
}

// An accessSnapshot is the access data of one store revision.
type accessSnapshot struct {
	cluster *store.Cluster // the cache's pointer, for change detection
	access  *awsauth.ClusterAccess
	// configMap is the world file's aws-auth data, parsed; nil if none.
	configMap *awsauth.ConfigMap
	// err is a snapshot-level error (an unknown authenticationMode).
	err error
}

func newClusterAccess(cache *storecache.Cache, ref store.ClusterRef, log *slog.Logger) *clusterAccess {
	return &clusterAccess{cache: cache, ref: ref, log: log}
}

// snapshot returns the current snapshot, rebuilding it if the store moved.
func (c *clusterAccess) snapshot(ctx context.Context) (*accessSnapshot, error) {
	cl, err := c.cache.Cluster(ctx, c.ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("cluster %s is no longer registered: %w", c.ref.Name, awsauth.ErrUnknownCluster)
	}
	if err != nil {
		return nil, fmt.Errorf("read cluster %s: %w", c.ref.Name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur.cluster == cl {
		return c.cur, nil
	}
	s, err := c.build(ctx, cl)
	if err != nil {
		return nil, err
	}
	c.cur = s
	return s, nil
}

func (c *clusterAccess) build(ctx context.Context, cl *store.Cluster) (*accessSnapshot, error) {
	st := c.cache.Store()
	var entries []awsauth.AccessEntry
	page := store.Page{Limit: 1000}
	for {
		es, next, err := st.ListAccessEntries(ctx, c.ref, page)
		if err != nil {
			return nil, fmt.Errorf("list access entries of cluster %s: %w", c.ref.Name, err)
		}
		for _, e := range es {
			assocs, err := st.ListAccessPolicyAssociations(ctx, c.ref, e.PrincipalARN)
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted between the two reads; the next revision rebuilds
			}
			if err != nil {
				return nil, fmt.Errorf("list access policies of %s: %w", e.PrincipalARN, err)
			}
			ae := awsauth.AccessEntry{PrincipalARN: e.PrincipalARN, Username: e.Username, KubernetesGroups: e.KubernetesGroups, Type: e.Type}
			for _, a := range assocs {
				ae.Policies = append(ae.Policies, accesspolicy.Association{
					PolicyARN: a.PolicyARN,
					Scope:     accesspolicy.Scope{Type: accesspolicy.ScopeType(a.AccessScope.Type), Namespaces: a.AccessScope.Namespaces},
				})
			}
			entries = append(entries, ae)
		}
		if next == "" {
			break
		}
		page.Marker = next
	}
	s := &accessSnapshot{cluster: cl}
	mode, err := awsauth.ParseAuthenticationMode(cl.AuthenticationMode)
	if err != nil {
		s.err = fmt.Errorf("cluster %s: %w", c.ref.Name, err)
	}
	s.access = &awsauth.ClusterAccess{Mode: mode, AccessEntries: awsauth.NewAccessEntries(entries)}
	if a := cl.AWSAuth; a != nil {
		data := map[string]string{}
		if a.MapRoles != "" {
			data[awsauth.KeyMapRoles] = a.MapRoles
		}
		if a.MapUsers != "" {
			data[awsauth.KeyMapUsers] = a.MapUsers
		}
		if a.MapAccounts != "" {
			data[awsauth.KeyMapAccounts] = a.MapAccounts
		}
		s.configMap = awsauth.ParseConfigMap(data)
	}
	c.logProblems(s)
	return s, nil
}

// logProblems reports invalid access entries once per rebuild; a rebuild
// caused only by unrelated store writes repeats them at Debug.
func (c *clusterAccess) logProblems(s *accessSnapshot) {
	prev := c.cur
	changed := prev == nil || prev.access.AccessEntries.Len() != s.access.AccessEntries.Len() ||
		len(prev.access.AccessEntries.Problems) != len(s.access.AccessEntries.Problems)
	level := slog.LevelDebug
	if changed {
		level = slog.LevelWarn
	}
	for _, p := range s.access.AccessEntries.Problems {
		c.log.Log(context.Background(), level, "access entry ignored", "cluster", c.ref.Name, "problem", p.String())
	}
	if s.err != nil {
		c.log.Log(context.Background(), level, "cluster access configuration invalid", "cluster", c.ref.Name, "err", s.err)
	}
	c.log.Debug("cluster access reloaded", "cluster", c.ref.Name, "accessEntries", s.access.AccessEntries.Len(), "mode", string(s.access.Mode))
}

// ClusterAccess implements awsauth.ClusterLookup for the served cluster.
func (c *clusterAccess) ClusterAccess(ctx context.Context, cluster string) (*awsauth.ClusterAccess, error) {
	if cluster != c.ref.Name {
		return nil, fmt.Errorf("cluster %q: %w", cluster, awsauth.ErrUnknownCluster)
	}
	s, err := c.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.access, nil
}

// AWSAuth implements awsauth.ConfigMapLookup from the world file's awsAuth
// section (stored with the cluster); nil when the cluster has none.
func (c *clusterAccess) AWSAuth(ctx context.Context, cluster string) (*awsauth.ConfigMap, error) {
	if cluster != c.ref.Name {
		return nil, nil
	}
	s, err := c.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s.configMap, nil
}
