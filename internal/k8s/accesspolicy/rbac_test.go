package accesspolicy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

func res(verb, ns, group, resource, sub, name string) *Attributes {
	return &Attributes{ResourceRequest: true, Verb: verb, Namespace: ns, APIGroup: group, Resource: resource, Subresource: sub, Name: name}
}

func nonRes(verb, path string) *Attributes { return &Attributes{Verb: verb, Path: path} }

func TestRuleAllows(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		attr *Attributes
		want bool
	}{
		{"exact", rule("", "pods", readVerbs), res("list", "default", "", "pods", "", ""), true},
		{"verb mismatch", rule("", "pods", readVerbs), res("create", "default", "", "pods", "", ""), false},
		{"group mismatch", rule("apps", "pods", readVerbs), res("get", "default", "", "pods", "", ""), false},
		{"subresource needs its own entry", rule("", "pods", readVerbs), res("get", "default", "", "pods", "log", ""), false},
		{"subresource entry", rule("", "pods/log", readVerbs), res("get", "default", "", "pods", "log", ""), true},
		{"subresource entry does not grant parent", rule("", "pods/log", readVerbs), res("get", "default", "", "pods", "", ""), false},
		{"star subresource", rule("", "*/scale", readVerbs), res("get", "default", "apps", "deployments", "scale", ""), false},
		{"star subresource any group", Rule{APIGroups: []string{"*"}, Resources: []string{"*/scale"}, Verbs: []string{"get"}}, res("get", "default", "apps", "deployments", "scale", ""), true},
		{"star subresource other sub", Rule{APIGroups: []string{"*"}, Resources: []string{"*/scale"}, Verbs: []string{"get"}}, res("get", "default", "apps", "deployments", "status", ""), false},
		{"star resource covers subresources", Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, res("create", "x", "", "pods", "exec", "p"), true},
		{"star verb", Rule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"*"}}, res("escalate", "x", "", "pods", "", ""), true},
		{"resource names match", Rule{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a", "b"}, Verbs: []string{"get"}}, res("get", "x", "", "configmaps", "", "b"), true},
		{"resource names other", Rule{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a"}, Verbs: []string{"get"}}, res("get", "x", "", "configmaps", "", "c"), false},
		{"resource names list", Rule{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a"}, Verbs: []string{"list"}}, res("list", "x", "", "configmaps", "", ""), false},
		{"resource rule vs non-resource request", Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, nonRes("get", "/healthz"), false},
		{"non-resource exact", Rule{NonResourceURLs: []string{"/healthz"}, Verbs: []string{"get"}}, nonRes("get", "/healthz"), true},
		{"non-resource prefix", Rule{NonResourceURLs: []string{"/apis/*"}, Verbs: []string{"get"}}, nonRes("get", "/apis/apps/v1"), true},
		{"non-resource prefix miss", Rule{NonResourceURLs: []string{"/apis/*"}, Verbs: []string{"get"}}, nonRes("get", "/api"), false},
		{"non-resource verb", Rule{NonResourceURLs: []string{"*"}, Verbs: []string{"get"}}, nonRes("post", "/x"), false},
		{"non-resource rule vs resource request", Rule{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}, res("get", "", "", "nodes", "", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Allows(tt.attr); got != tt.want {
				t.Errorf("Allows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScope(t *testing.T) {
	s := Scope{Type: ScopeNamespace, Namespaces: []string{"default", "dev-*"}}
	for ns, want := range map[string]bool{"default": true, "dev-a": true, "dev-": true, "dev": false, "kube-system": false, "": false} {
		if got := s.inScope(ns); got != want {
			t.Errorf("inScope(%q) = %v", ns, got)
		}
	}
	c := Scope{Type: ScopeCluster}
	if !c.inScope("") || !c.inScope("x") {
		t.Error("cluster scope")
	}
}

func TestAssociationValidate(t *testing.T) {
	tests := []struct {
		a    Association
		want string
	}{
		{Association{PolicyARN: PolicyARNPrefix + ViewPolicy, Scope: Scope{Type: ScopeCluster}}, ""},
		{Association{PolicyARN: "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", Scope: Scope{Type: ScopeNamespace, Namespaces: []string{"a", "b-*", "*"}}}, ""},
		{Association{PolicyARN: "arn:aws:iam::aws:policy/AdministratorAccess", Scope: Scope{Type: ScopeCluster}}, "invalid access policy ARN"},
		{Association{PolicyARN: PolicyARNPrefix + ViewPolicy, Scope: Scope{Type: ScopeCluster, Namespaces: []string{"a"}}}, "takes no namespaces"},
		{Association{PolicyARN: PolicyARNPrefix + ViewPolicy, Scope: Scope{Type: ScopeNamespace}}, "at least one"},
		{Association{PolicyARN: PolicyARNPrefix + ViewPolicy, Scope: Scope{Type: ScopeNamespace, Namespaces: []string{"Bad"}}}, "invalid namespace"},
		{Association{PolicyARN: PolicyARNPrefix + ViewPolicy, Scope: Scope{Type: ScopeNamespace, Namespaces: []string{"a-"}}}, "invalid namespace"},
		{Association{PolicyARN: PolicyARNPrefix + ViewPolicy, Scope: Scope{Type: "account"}}, "cluster or namespace"},
	}
	for _, tt := range tests {
		err := tt.a.Validate()
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.a, err, tt.want)
		}
	}
}

// kubernetesClusterRoles loads Kubernetes v1.32's bootstrap ClusterRoles
// from its golden test data in the module cache, when present there.
func kubernetesClusterRoles(t *testing.T) []rbacv1.ClusterRole {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip("go env GOMODCACHE:", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "k8s.io/kubernetes@v1.32.4/plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Skip("Kubernetes v1.32.4 source not in the module cache")
	}
	var list rbacv1.ClusterRoleList
	if err := yaml.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// normalize flattens rules into sorted "verb group resource" and "verb
// url" permission strings, so rule sets compare by meaning.
func normalize(rules []Rule) []string {
	seen := map[string]bool{}
	for _, r := range rules {
		for _, v := range r.Verbs {
			for _, u := range r.NonResourceURLs {
				seen[v+" url "+u] = true
			}
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					if len(r.ResourceNames) == 0 {
						seen[v+" "+g+" "+res] = true
					}
					for _, n := range r.ResourceNames {
						seen[v+" "+g+" "+res+" "+n] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBuiltinMatchesKubernetes checks the built-in tables against the
// aggregated admin, edit and view roles of a real Kubernetes release,
// through the same aggregation code that reads a live cluster.
func TestBuiltinMatchesKubernetes(t *testing.T) {
	roles := kubernetesClusterRoles(t)
	fromK8s, err := policiesFromClusterRoles(roles)
	if err != nil {
		t.Fatal(err)
	}
	b := Builtin()
	for _, p := range []string{ViewPolicy, EditPolicy, AdminPolicy} {
		got, want := normalize(b.Rules(p)), normalize(fromK8s.Rules(p))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: built-in differs from Kubernetes v1.32:\n built-in: %v\n kubernetes: %v", p, got, want)
		}
	}
}

func TestLoadFromClusterAggregates(t *testing.T) {
	roles := kubernetesClusterRoles(t)
	// A CRD's role aggregated into edit (and so into admin).
	roles = append(roles, rbacv1.ClusterRole{})
	last := &roles[len(roles)-1]
	last.Name = "widgets-edit"
	last.Labels = map[string]string{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}
	last.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"example.com"}, Resources: []string{"widgets"}, Verbs: []string{"*"}}}
	client := fake.NewClientset()
	for i := range roles {
		if _, err := client.RbacV1().ClusterRoles().Create(context.Background(), &roles[i], metaCreate); err != nil {
			t.Fatal(err)
		}
	}
	p, err := LoadFromCluster(context.Background(), client)
	if err != nil {
		t.Fatal(err)
	}
	w := res("create", "ns", "example.com", "widgets", "", "")
	if !anyAllows(p.Rules(EditPolicy), w) || !anyAllows(p.Rules(AdminPolicy), w) || anyAllows(p.Rules(ViewPolicy), w) {
		t.Error("aggregated CRD role not applied to edit and admin only")
	}
	if !anyAllows(p.Rules(AdminPolicy), res("create", "ns", "rbac.authorization.k8s.io", "rolebindings", "", "")) {
		t.Error("admin lacks rolebindings")
	}

	if _, err := LoadFromCluster(context.Background(), fake.NewClientset()); err == nil {
		t.Error("empty cluster loaded")
	}
}

var metaCreate = metav1.CreateOptions{}
