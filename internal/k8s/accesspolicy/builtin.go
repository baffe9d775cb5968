package accesspolicy

import "strings"

// The fallback permission tables, used for clusters whose ClusterRoles
// trustbridge cannot read. They restate the documented permissions of
// Kubernetes' default user-facing roles (as of v1.32): view reads most
// namespaced objects but not secrets; edit adds writes to workloads,
// services, config and secrets, exec/attach/port-forward, and
// impersonating service accounts; admin adds managing Roles and
// RoleBindings and local access reviews; cluster-admin may do anything.
// Permissions added to those roles by aggregation in a particular cluster
// (for example by CRDs) are only seen when reading the cluster.

var (
	readVerbs  = []string{"get", "list", "watch"}
	writeVerbs = []string{"create", "delete", "deletecollection", "patch", "update"}
	allVerbs   = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
)

// rule builds a resource rule; resources are space-separated.
func rule(group, resources string, verbs []string) Rule {
	return Rule{APIGroups: []string{group}, Resources: strings.Fields(resources), Verbs: verbs}
}

// viewRules are the rules of the view role.
func viewRules() []Rule {
	return []Rule{
		rule("", "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status", readVerbs),
		rule("", "bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status", readVerbs),
		rule("", "namespaces", readVerbs),
		rule("discovery.k8s.io", "endpointslices", readVerbs),
		rule("apps", "controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status", readVerbs),
		rule("autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status", readVerbs),
		rule("batch", "cronjobs cronjobs/status jobs jobs/status", readVerbs),
		rule("extensions", "daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale", readVerbs),
		rule("policy", "poddisruptionbudgets poddisruptionbudgets/status", readVerbs),
		rule("networking.k8s.io", "ingresses ingresses/status networkpolicies", readVerbs),
	}
}

// editOnlyRules are what edit adds to view.
func editOnlyRules() []Rule {
	return []Rule{
		rule("", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy", readVerbs),
		rule("", "serviceaccounts", []string{"impersonate"}),
		rule("", "pods pods/attach pods/exec pods/portforward pods/proxy", writeVerbs),
		rule("", "pods/eviction", []string{"create"}),
		rule("", "configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy", writeVerbs),
		rule("", "serviceaccounts/token", []string{"create"}),
		rule("apps", "daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale", writeVerbs),
		rule("autoscaling", "horizontalpodautoscalers", writeVerbs),
		rule("batch", "cronjobs jobs", writeVerbs),
		rule("extensions", "daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale", writeVerbs),
		rule("policy", "poddisruptionbudgets", writeVerbs),
		rule("networking.k8s.io", "ingresses networkpolicies", writeVerbs),
		rule("coordination.k8s.io", "leases", allVerbs),
	}
}

// adminOnlyRules are what admin adds to edit.
func adminOnlyRules() []Rule {
	return []Rule{
		rule("authorization.k8s.io", "localsubjectaccessreviews", []string{"create"}),
		rule("rbac.authorization.k8s.io", "rolebindings roles", allVerbs),
	}
}

// clusterAdminRules allow everything, resources and non-resource URLs.
func clusterAdminRules() []Rule {
	return []Rule{
		{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}},
		{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}},
	}
}

// Builtin returns the fallback policies: the four access policies with
// the permissions of the default cluster-admin, admin, edit and view
// roles.
func Builtin() *Policies {
	view := viewRules()
	edit := append(append([]Rule(nil), view...), editOnlyRules()...)
	admin := append(append([]Rule(nil), edit...), adminOnlyRules()...)
	return NewPolicies(admin, edit, view, "built-in")
}
