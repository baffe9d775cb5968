package awsauth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
)

// An AuthenticationMode is a cluster's accessConfig.authenticationMode.
type AuthenticationMode string

// Authentication modes, as the EKS API spells them.
const (
	ModeConfigMap       AuthenticationMode = "CONFIG_MAP"
	ModeAPIAndConfigMap AuthenticationMode = "API_AND_CONFIG_MAP"
	ModeAPI             AuthenticationMode = "API"
)

// ParseAuthenticationMode checks s. The empty string means
// API_AND_CONFIG_MAP, the mode EKS clusters created by current tools have.
func ParseAuthenticationMode(s string) (AuthenticationMode, error) {
	switch m := AuthenticationMode(s); m {
	case "":
		return ModeAPIAndConfigMap, nil
	case ModeConfigMap, ModeAPIAndConfigMap, ModeAPI:
		return m, nil
	}
	return "", fmt.Errorf("unknown authenticationMode %q", s)
}

func (m AuthenticationMode) useAPI() bool { return m == ModeAPI || m == ModeAPIAndConfigMap || m == "" }
func (m AuthenticationMode) useConfigMap() bool {
	return m == ModeConfigMap || m == ModeAPIAndConfigMap || m == ""
}

// ClusterAccess is what the mapper needs to know about a cluster besides
// its aws-auth ConfigMap.
type ClusterAccess struct {
	Mode          AuthenticationMode
	AccessEntries *AccessEntries
}

// ErrUnknownCluster is returned (wrapped) by lookups for clusters
// trustbridge does not know.
var ErrUnknownCluster = errors.New("unknown cluster")

// ClusterLookup returns a cluster's authentication mode and access
// entries. It is called for every TokenReview and SubjectAccessReview, so
// implementations should answer from memory.
type ClusterLookup interface {
	ClusterAccess(ctx context.Context, cluster string) (*ClusterAccess, error)
}

// ConfigMapLookup returns a cluster's parsed aws-auth ConfigMap; nil with
// a nil error means the cluster has none.
type ConfigMapLookup interface {
	AWSAuth(ctx context.Context, cluster string) (*ConfigMap, error)
}

// StaticClusters is a ClusterLookup over a fixed map keyed by cluster name.
type StaticClusters map[string]*ClusterAccess

// ClusterAccess implements ClusterLookup.
func (s StaticClusters) ClusterAccess(_ context.Context, cluster string) (*ClusterAccess, error) {
	if c, ok := s[cluster]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("cluster %q: %w", cluster, ErrUnknownCluster)
}

// StaticConfigMaps is a ConfigMapLookup over fixed data (for example the
// world file's awsAuth sections), keyed by cluster name. Clusters without
// a key have no ConfigMap.
type StaticConfigMaps map[string]*ConfigMap

// AWSAuth implements ConfigMapLookup.
func (s StaticConfigMaps) AWSAuth(_ context.Context, cluster string) (*ConfigMap, error) {
	return s[cluster], nil
}

// ConfigMaps routes each cluster to its own lookup (a Watcher for clusters
// trustbridge can reach, static data for the others); clusters without a
// key have no ConfigMap.
type ConfigMaps map[string]ConfigMapLookup

// AWSAuth implements ConfigMapLookup.
func (s ConfigMaps) AWSAuth(ctx context.Context, cluster string) (*ConfigMap, error) {
	if l, ok := s[cluster]; ok && l != nil {
		return l.AWSAuth(ctx, cluster)
	}
	return nil, nil
}

// Sources of a Mapping.
const (
	SourceAccessEntry = "accessEntry"
	SourceMapRoles    = KeyMapRoles
	SourceMapUsers    = KeyMapUsers
	SourceMapAccounts = KeyMapAccounts
)

// A Mapping is the Kubernetes user an identity maps to.
type Mapping struct {
	Username string
	Groups   []string
	// Source is SourceAccessEntry, SourceMapRoles, SourceMapUsers or
	// SourceMapAccounts.
	Source string
	// Entry names what matched: the access entry's principalArn, the
	// rolearn or userarn, "sso:PERMISSION_SET", or the account.
	Entry string
	// Policies are the access entry's associated access policies.
	Policies []accesspolicy.Association
}

// A NotMappedError says why a valid identity has no mapping. Its text is
// safe to log and explain; it names the ARN, the cluster and what was
// consulted.
type NotMappedError struct {
	Cluster string
	ARN     string
	Mode    AuthenticationMode
	// Consulted lists the sources searched, e.g. "access entries (3)".
	Consulted []string
	// ConfigMapProblems counts problems in the aws-auth ConfigMap, which may
	// be why an intended entry is missing.
	ConfigMapProblems int
}

func (e *NotMappedError) Error() string {
	s := fmt.Sprintf("%s is not mapped to a Kubernetes user in cluster %s (authenticationMode %s; searched %s)",
		e.ARN, e.Cluster, e.Mode, strings.Join(e.Consulted, ", "))
	if e.ConfigMapProblems > 0 {
		s += fmt.Sprintf("; the aws-auth ConfigMap has %d problem(s), see its validation", e.ConfigMapProblems)
	}
	return s
}

// A Mapper maps verified identities to Kubernetes users per cluster.
type Mapper struct {
	// Clusters gives each cluster's mode and access entries. Required.
	Clusters ClusterLookup
	// ConfigMaps gives each cluster's aws-auth ConfigMap. If nil, no
	// cluster has one.
	ConfigMaps ConfigMapLookup
	// ResolvePrivateDNS serves {{EC2PrivateDNSName}}. If nil, mappings that
	// use it fail with a clear error.
	ResolvePrivateDNS PrivateDNSResolver
}

// Map returns the Kubernetes user for id in cluster. The cluster's
// authenticationMode decides the sources: API uses access entries only,
// CONFIG_MAP the aws-auth ConfigMap only, API_AND_CONFIG_MAP both with the
// access entry winning. An unmapped identity yields a *NotMappedError.
func (m *Mapper) Map(ctx context.Context, cluster string, id *Identity) (*Mapping, error) {
	ca, err := m.Clusters.ClusterAccess(ctx, cluster)
	if err != nil {
		return nil, err
	}
	mode := ca.Mode
	if mode == "" {
		mode = ModeAPIAndConfigMap
	}
	nm := &NotMappedError{Cluster: cluster, ARN: id.ARN, Mode: mode}
	if mode.useAPI() {
		if e, ok := ca.AccessEntries.match(id); ok {
			return m.renderEntry(ctx, e, id)
		}
		nm.Consulted = append(nm.Consulted, fmt.Sprintf("access entries (%d)", ca.AccessEntries.Len()))
	}
	if mode.useConfigMap() {
		var cm *ConfigMap
		if m.ConfigMaps != nil {
			if cm, err = m.ConfigMaps.AWSAuth(ctx, cluster); err != nil {
				return nil, fmt.Errorf("aws-auth ConfigMap of cluster %s: %w", cluster, err)
			}
		}
		if r, ok := cm.match(id); ok {
			return m.renderMatch(ctx, r, id)
		}
		if cm == nil {
			nm.Consulted = append(nm.Consulted, "aws-auth ConfigMap (absent)")
		} else {
			nm.Consulted = append(nm.Consulted, fmt.Sprintf("aws-auth mapRoles (%d), mapUsers (%d), mapAccounts (%d)", len(cm.Roles), len(cm.Users), len(cm.Accounts)))
			nm.ConfigMapProblems = len(cm.Problems)
		}
	}
	return nil, nm
}

func (m *Mapper) renderEntry(ctx context.Context, e *accessEntry, id *Identity) (*Mapping, error) {
	r, err := m.renderMatch(ctx, configMapMatch{source: SourceAccessEntry, entry: e.PrincipalARN, username: e.username, groups: e.groups}, id)
	if err != nil {
		return nil, err
	}
	r.Policies = e.Policies
	return r, nil
}

func (m *Mapper) renderMatch(ctx context.Context, r configMapMatch, id *Identity) (*Mapping, error) {
	out := &Mapping{Source: r.source, Entry: r.entry}
	var err error
	if out.Username, err = render(ctx, r.username, id, m.ResolvePrivateDNS); err != nil {
		return nil, fmt.Errorf("%s entry %s: username: %w", r.source, r.entry, err)
	}
	if out.Username == "" {
		return nil, fmt.Errorf("%s entry %s: username renders empty", r.source, r.entry)
	}
	if len(r.groups) > 0 {
		out.Groups = make([]string, 0, len(r.groups))
		for _, g := range r.groups {
			rg, err := render(ctx, g, id, m.ResolvePrivateDNS)
			if err != nil {
				return nil, fmt.Errorf("%s entry %s: group: %w", r.source, r.entry, err)
			}
			if rg != "" {
				out.Groups = append(out.Groups, rg)
			}
		}
	}
	return out, nil
}

// Associations implements accesspolicy.AssociationSource. It rebuilds the
// caller's identity from the user's extra map (issued by the TokenReview
// authenticator, copied by the apiserver into the SubjectAccessReview),
// finds the cluster's access entry for it (only in API and
// API_AND_CONFIG_MAP modes), and returns the entry's access policies —
// but only if the entry's username, rendered for that identity, equals
// username. That binding means an extra map attached to some other user
// (by another authenticator or by impersonation) grants nothing, and a
// user mapped through aws-auth gets no access-policy permissions.
func (m *Mapper) Associations(ctx context.Context, cluster, username string, _ []string, extra map[string][]string) ([]accesspolicy.Association, error) {
	if _, ok := extra[ExtraARN]; !ok {
		return nil, nil
	}
	id, err := IdentityFromExtra(extra)
	if err != nil {
		return nil, nil
	}
	ca, err := m.Clusters.ClusterAccess(ctx, cluster)
	if err != nil {
		return nil, err
	}
	if !ca.Mode.useAPI() {
		return nil, nil
	}
	e, ok := ca.AccessEntries.match(id)
	if !ok {
		return nil, nil
	}
	r, err := m.renderEntry(ctx, e, id)
	if err != nil {
		return nil, err
	}
	if r.Username != username {
		return nil, nil
	}
	return r.Policies, nil
}
