package accesspolicy

import (
	"context"
	"fmt"
	"sync"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// Policies holds the rules of the four access policies. It is immutable
// and safe for concurrent use.
type Policies struct {
	rules map[string][]Rule
	// Source says where the rules came from ("built-in", or
	// "cluster ClusterRoles").
	Source string
}

// NewPolicies builds the policies from the rules of the admin, edit and
// view roles; AmazonEKSClusterAdminPolicy always allows everything.
func NewPolicies(admin, edit, view []Rule, source string) *Policies {
	return &Policies{Source: source, rules: map[string][]Rule{
		ClusterAdminPolicy: clusterAdminRules(),
		AdminPolicy:        admin,
		EditPolicy:         edit,
		ViewPolicy:         view,
	}}
}

// Rules returns the rules of the named policy (nil for unknown names).
func (p *Policies) Rules(name string) []Rule { return p.rules[name] }

// roleNames maps the policies read from a cluster to their ClusterRoles.
var roleNames = map[string]string{AdminPolicy: "admin", EditPolicy: "edit", ViewPolicy: "view"}

// LoadFromCluster reads the cluster's admin, edit and view ClusterRoles
// and returns policies with their effective rules. These roles are
// aggregated: their rules are the union of the rules of every ClusterRole
// their aggregationRule selects (recursively). The union is computed here
// from the selected roles, so the result is right even where no
// controller-manager has filled in the aggregated rules yet.
func LoadFromCluster(ctx context.Context, client kubernetes.Interface) (*Policies, error) {
	list, err := client.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ClusterRoles: %w", err)
	}
	return policiesFromClusterRoles(list.Items)
}

func policiesFromClusterRoles(roles []rbacv1.ClusterRole) (*Policies, error) {
	byName := make(map[string]*rbacv1.ClusterRole, len(roles))
	for i := range roles {
		byName[roles[i].Name] = &roles[i]
	}
	out := map[string][]Rule{}
	for policy, name := range roleNames {
		cr, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("ClusterRole %q not found", name)
		}
		rules, err := effectiveRules(cr, roles, map[string]bool{})
		if err != nil {
			return nil, fmt.Errorf("ClusterRole %q: %w", name, err)
		}
		if len(rules) == 0 {
			return nil, fmt.Errorf("ClusterRole %q has no rules", name)
		}
		out[policy] = rules
	}
	return NewPolicies(out[AdminPolicy], out[EditPolicy], out[ViewPolicy], "cluster ClusterRoles"), nil
}

// effectiveRules returns a role's rules, resolving aggregation. seen
// guards against selector cycles.
func effectiveRules(cr *rbacv1.ClusterRole, all []rbacv1.ClusterRole, seen map[string]bool) ([]Rule, error) {
	if cr.AggregationRule == nil {
		return convertRules(cr.Rules), nil
	}
	if seen[cr.Name] {
		return nil, nil
	}
	seen[cr.Name] = true
	defer delete(seen, cr.Name)
	var rules []Rule
	for i := range all {
		other := &all[i]
		if other.Name == cr.Name {
			continue
		}
		for _, ls := range cr.AggregationRule.ClusterRoleSelectors {
			sel, err := metav1.LabelSelectorAsSelector(&ls)
			if err != nil {
				return nil, fmt.Errorf("aggregation selector: %w", err)
			}
			if sel.Matches(labels.Set(other.Labels)) {
				r, err := effectiveRules(other, all, seen)
				if err != nil {
					return nil, err
				}
				rules = append(rules, r...)
				break
			}
		}
	}
	return rules, nil
}

func convertRules(in []rbacv1.PolicyRule) []Rule {
	out := make([]Rule, 0, len(in))
	for _, r := range in {
		out = append(out, Rule{Verbs: r.Verbs, APIGroups: r.APIGroups, Resources: r.Resources, ResourceNames: r.ResourceNames, NonResourceURLs: r.NonResourceURLs})
	}
	return out
}

// A PolicyStore holds each cluster's policies; clusters without their own
// use Builtin(). It is safe for concurrent use; the zero value is ready.
type PolicyStore struct {
	mu sync.RWMutex
	m  map[string]*Policies // guarded by mu
}

// Get returns cluster's policies.
func (s *PolicyStore) Get(cluster string) *Policies {
	if s == nil {
		return builtinPolicies()
	}
	s.mu.RLock()
	p := s.m[cluster]
	s.mu.RUnlock()
	if p != nil {
		return p
	}
	return builtinPolicies()
}

// Set replaces cluster's policies; nil reverts to Builtin().
func (s *PolicyStore) Set(cluster string, p *Policies) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*Policies{}
	}
	if p == nil {
		delete(s.m, cluster)
		return
	}
	s.m[cluster] = p
}

// Watch loads cluster's policies from its ClusterRoles now and then every
// interval (if positive) until ctx is done. A failed load keeps the last
// good policies (Builtin() until one succeeds) and is reported to onErr,
// if set.
func (s *PolicyStore) Watch(ctx context.Context, cluster string, client kubernetes.Interface, interval time.Duration, onErr func(error)) {
	load := func() {
		p, err := LoadFromCluster(ctx, client)
		if err != nil {
			if onErr != nil && ctx.Err() == nil {
				onErr(fmt.Errorf("cluster %s: %w", cluster, err))
			}
			return
		}
		s.Set(cluster, p)
	}
	load()
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			load()
		}
	}
}

var (
	builtinOnce sync.Once
	builtinVal  *Policies
)

func builtinPolicies() *Policies {
	builtinOnce.Do(func() { builtinVal = Builtin() })
	return builtinVal
}
