package awsauth

import (
	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/world"
)

// FromWorld converts a world-file cluster into its ClusterAccess and, when
// the cluster has an awsAuth section, its parsed ConfigMap (nil
// otherwise). Problems in either are reported inside the returned values.
func FromWorld(c world.Cluster) (*ClusterAccess, *ConfigMap, error) {
	mode, err := ParseAuthenticationMode(c.AuthenticationMode)
	if err != nil {
		return nil, nil, err
	}
	entries := make([]AccessEntry, 0, len(c.AccessEntries))
	for _, e := range c.AccessEntries {
		ae := AccessEntry{PrincipalARN: e.PrincipalARN, Username: e.Username, KubernetesGroups: e.KubernetesGroups, Type: e.Type}
		for _, p := range e.AccessPolicies {
			ae.Policies = append(ae.Policies, accesspolicy.Association{
				PolicyARN: p.PolicyARN,
				Scope:     accesspolicy.Scope{Type: accesspolicy.ScopeType(p.AccessScope.Type), Namespaces: p.AccessScope.Namespaces},
			})
		}
		entries = append(entries, ae)
	}
	ca := &ClusterAccess{Mode: mode, AccessEntries: NewAccessEntries(entries)}
	var cm *ConfigMap
	if a := c.AWSAuth; a != nil {
		data := map[string]string{}
		if a.MapRoles != "" {
			data[KeyMapRoles] = a.MapRoles
		}
		if a.MapUsers != "" {
			data[KeyMapUsers] = a.MapUsers
		}
		if a.MapAccounts != "" {
			data[KeyMapAccounts] = a.MapAccounts
		}
		cm = ParseConfigMap(data)
	}
	return ca, cm, nil
}
