package accesspolicy_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	authzv1 "k8s.io/api/authorization/v1"
	authzv1beta1 "k8s.io/api/authorization/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
)

const (
	cluster = "aws-eks-auth-test"
	account = "123456789012"
)

// testMapper: the demo world's access entry for UserThree (view in four
// namespaces), plus entries exercising the other policies and scopes.
func testMapper(t testing.TB, mode awsauth.AuthenticationMode) *awsauth.Mapper {
	t.Helper()
	p := func(name string, typ accesspolicy.ScopeType, ns ...string) accesspolicy.Association {
		return accesspolicy.Association{PolicyARN: accesspolicy.PolicyARNPrefix + name, Scope: accesspolicy.Scope{Type: typ, Namespaces: ns}}
	}
	ae := awsauth.NewAccessEntries([]awsauth.AccessEntry{
		{PrincipalARN: "arn:aws:iam::123456789012:user/UserThree", Username: "UserThree",
			Policies: []accesspolicy.Association{p(accesspolicy.ViewPolicy, accesspolicy.ScopeNamespace, "default", "kube-node-lease", "kube-public", "kube-system")}},
		{PrincipalARN: "arn:aws:iam::123456789012:role/platform/admin", // role with a path; default username
			Policies: []accesspolicy.Association{p(accesspolicy.AdminPolicy, accesspolicy.ScopeCluster)}},
		{PrincipalARN: "arn:aws:iam::123456789012:user/dev", Username: "dev",
			Policies: []accesspolicy.Association{p(accesspolicy.EditPolicy, accesspolicy.ScopeNamespace, "dev-*"), p(accesspolicy.ViewPolicy, accesspolicy.ScopeNamespace, "prod")}},
		{PrincipalARN: "arn:aws:iam::123456789012:user/root-ish", Username: "root-ish",
			Policies: []accesspolicy.Association{p(accesspolicy.ClusterAdminPolicy, accesspolicy.ScopeCluster), {PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSUnknownPolicy", Scope: accesspolicy.Scope{Type: accesspolicy.ScopeCluster}}}},
		{PrincipalARN: "arn:aws:iam::123456789012:user/nopolicy", Username: "nopolicy", KubernetesGroups: []string{"g"}},
	})
	if n := len(ae.Problems); n != 1 { // the unknown policy warning
		t.Fatalf("problems: %v", ae.Problems)
	}
	return &awsauth.Mapper{Clusters: awsauth.StaticClusters{cluster: {Mode: mode, AccessEntries: ae}}}
}

func identity(t testing.TB, arn, userID, principalARN string) *awsauth.Identity {
	t.Helper()
	id, err := awsauth.NewIdentity(account, arn, userID, "AKIAEXAMPLEEXAMPLE01", principalARN)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var (
	userThree = func(t testing.TB) *awsauth.Identity {
		return identity(t, "arn:aws:iam::123456789012:user/UserThree", "AIDAUSERTHREE", "")
	}
	adminSession = func(t testing.TB) *awsauth.Identity {
		return identity(t, "arn:aws:sts::123456789012:assumed-role/admin/ops@example.com", "AROAADMIN:ops@example.com", "arn:aws:iam::123456789012:role/platform/admin")
	}
	dev = func(t testing.TB) *awsauth.Identity {
		return identity(t, "arn:aws:iam::123456789012:user/dev", "AIDADEV", "")
	}
	rootish = func(t testing.TB) *awsauth.Identity {
		return identity(t, "arn:aws:iam::123456789012:user/root-ish", "AIDAROOTISH", "")
	}
)

func ra(verb, ns, group, resource, sub, name string) *authzv1.ResourceAttributes {
	return &authzv1.ResourceAttributes{Verb: verb, Namespace: ns, Group: group, Resource: resource, Subresource: sub, Name: name}
}

func sar(user string, id *awsauth.Identity, r *authzv1.ResourceAttributes, nr *authzv1.NonResourceAttributes) authzv1.SubjectAccessReview {
	s := authzv1.SubjectAccessReview{
		TypeMeta: metav1.TypeMeta{APIVersion: accesspolicy.APIVersionV1, Kind: "SubjectAccessReview"},
		Spec:     authzv1.SubjectAccessReviewSpec{User: user, Groups: []string{"system:authenticated"}, ResourceAttributes: r, NonResourceAttributes: nr},
	}
	if id != nil {
		s.Spec.UID = id.UID()
		s.Spec.Extra = map[string]authzv1.ExtraValue{}
		for k, v := range id.Extra() {
			s.Spec.Extra[k] = v
		}
	}
	return s
}

func serve(t testing.TB, h http.Handler, body any) (int, authzv1.SubjectAccessReview) {
	t.Helper()
	raw, _ := json.Marshal(body)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authorize", strings.NewReader(string(raw))))
	var out authzv1.SubjectAccessReview
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("reply %s: %v", rec.Body, err)
		}
	}
	return rec.Code, out
}

func handler(t testing.TB, mode awsauth.AuthenticationMode, decisions *[]accesspolicy.Decision) *accesspolicy.Handler {
	return &accesspolicy.Handler{
		Authorizer: &accesspolicy.Authorizer{Associations: testMapper(t, mode), OnDecision: func(d accesspolicy.Decision) {
			if decisions != nil {
				*decisions = append(*decisions, d)
			}
		}},
		Cluster: accesspolicy.FixedCluster(cluster),
	}
}

func TestAuthorize(t *testing.T) {
	adminUser := "arn:aws:sts::123456789012:assumed-role/admin/ops-example.com"
	tests := []struct {
		name   string
		user   string
		id     func(testing.TB) *awsauth.Identity
		ra     *authzv1.ResourceAttributes
		nra    *authzv1.NonResourceAttributes
		allow  bool
		reason string
	}{
		// Seed 003: UserThree, AmazonEKSViewPolicy on default, kube-node-lease, kube-public, kube-system.
		{"view lists pods in default", "UserThree", userThree, ra("list", "default", "", "pods", "", ""), nil, true, "AmazonEKSViewPolicy (namespace scope)"},
		{"view lists deployments in kube-system", "UserThree", userThree, ra("list", "kube-system", "apps", "deployments", "", ""), nil, true, ""},
		{"view gets its namespace", "UserThree", userThree, ra("get", "default", "", "namespaces", "", "default"), nil, true, ""},
		{"view cannot create pods", "UserThree", userThree, ra("create", "default", "", "pods", "", ""), nil, false, "do not grant"},
		{"view cannot read secrets", "UserThree", userThree, ra("get", "default", "", "secrets", "", "s"), nil, false, ""},
		{"view cannot exec", "UserThree", userThree, ra("create", "default", "", "pods", "exec", "p"), nil, false, ""},
		{"view not in other namespace", "UserThree", userThree, ra("list", "pod-id", "", "pods", "", ""), nil, false, "scoped"},
		{"view not cluster-wide list", "UserThree", userThree, ra("list", "", "", "pods", "", ""), nil, false, "scoped"},
		{"view not namespaces list", "UserThree", userThree, ra("list", "", "", "namespaces", "", ""), nil, false, ""},
		{"view not non-resource", "UserThree", userThree, nil, &authzv1.NonResourceAttributes{Verb: "get", Path: "/version"}, false, ""},
		// AmazonEKSAdminPolicy at cluster scope, role with a path, default username.
		{"admin lists namespaces", adminUser, adminSession, ra("list", "", "", "namespaces", "", ""), nil, true, "cluster scope"},
		{"admin creates rolebindings anywhere", adminUser, adminSession, ra("create", "team-a", "rbac.authorization.k8s.io", "rolebindings", "", ""), nil, true, ""},
		{"admin reads secrets", adminUser, adminSession, ra("get", "kube-system", "", "secrets", "", "x"), nil, true, ""},
		{"admin cannot touch clusterroles", adminUser, adminSession, ra("create", "", "rbac.authorization.k8s.io", "clusterroles", "", ""), nil, false, ""},
		{"admin cannot list nodes", adminUser, adminSession, ra("list", "", "", "nodes", "", ""), nil, false, ""},
		{"admin username must match the entry", "someone-else", adminSession, ra("list", "", "", "namespaces", "", ""), nil, false, "no access policies"},
		// Edit with a wildcard namespace plus view elsewhere.
		{"edit in dev-a", "dev", dev, ra("create", "dev-a", "apps", "deployments", "", ""), nil, true, "AmazonEKSEditPolicy"},
		{"edit not in prod", "dev", dev, ra("create", "prod", "apps", "deployments", "", ""), nil, false, ""},
		{"view in prod", "dev", dev, ra("watch", "prod", "apps", "deployments", "", ""), nil, true, "AmazonEKSViewPolicy"},
		{"edit cannot manage roles", "dev", dev, ra("create", "dev-a", "rbac.authorization.k8s.io", "roles", "", ""), nil, false, ""},
		// Cluster admin.
		{"cluster admin nodes", "root-ish", rootish, ra("delete", "", "", "nodes", "", "n1"), nil, true, "AmazonEKSClusterAdminPolicy"},
		{"cluster admin non-resource", "root-ish", rootish, nil, &authzv1.NonResourceAttributes{Verb: "get", Path: "/metrics"}, true, ""},
		// Users without the authenticator's extra, or without policies.
		{"no extra", "UserThree", nil, ra("list", "default", "", "pods", "", ""), nil, false, "no access policies"},
		{"no policies", "nopolicy", func(t testing.TB) *awsauth.Identity {
			return identity(t, "arn:aws:iam::123456789012:user/nopolicy", "AIDANOPOLICY", "")
		}, ra("list", "default", "", "pods", "", ""), nil, false, "no access policies"},
		{"system:masters via aws-auth gets no access policy", "UserOne", func(t testing.TB) *awsauth.Identity {
			return identity(t, "arn:aws:iam::123456789012:user/UserOne", "AIDAUSERONE", "")
		}, ra("list", "", "", "pods", "", ""), nil, false, "no access policies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var id *awsauth.Identity
			if tt.id != nil {
				id = tt.id(t)
			}
			var ds []accesspolicy.Decision
			code, out := serve(t, handler(t, awsauth.ModeAPIAndConfigMap, &ds), sar(tt.user, id, tt.ra, tt.nra))
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if out.Status.Allowed != tt.allow || out.Status.Denied {
				t.Errorf("status = %+v, want allowed %v, never denied", out.Status, tt.allow)
			}
			if len(ds) != 1 || !strings.Contains(ds[0].Reason, tt.reason) {
				t.Errorf("decisions = %+v, want reason containing %q", ds, tt.reason)
			}
		})
	}
}

func TestAuthorizeModes(t *testing.T) {
	req := sar("UserThree", userThree(t), ra("list", "default", "", "pods", "", ""), nil)
	for mode, want := range map[awsauth.AuthenticationMode]bool{awsauth.ModeAPI: true, awsauth.ModeAPIAndConfigMap: true, awsauth.ModeConfigMap: false} {
		if _, out := serve(t, handler(t, mode, nil), req); out.Status.Allowed != want {
			t.Errorf("mode %s: allowed = %v", mode, out.Status.Allowed)
		}
	}
}

func TestHandlerV1beta1(t *testing.T) {
	id := userThree(t)
	in := authzv1beta1.SubjectAccessReview{
		TypeMeta: metav1.TypeMeta{APIVersion: accesspolicy.APIVersionV1beta1, Kind: "SubjectAccessReview"},
		Spec: authzv1beta1.SubjectAccessReviewSpec{User: "UserThree", Groups: []string{"system:authenticated"},
			ResourceAttributes: &authzv1beta1.ResourceAttributes{Verb: "get", Namespace: "kube-public", Resource: "configmaps", Name: "cluster-info"},
			Extra:              map[string]authzv1beta1.ExtraValue{}},
	}
	for k, v := range id.Extra() {
		in.Spec.Extra[k] = v
	}
	raw, _ := json.Marshal(in)
	if !strings.Contains(string(raw), `"group":["system:authenticated"]`) {
		t.Fatalf("v1beta1 groups field: %s", raw)
	}
	rec := httptest.NewRecorder()
	handler(t, awsauth.ModeAPI, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authorize", strings.NewReader(string(raw))))
	var out authzv1beta1.SubjectAccessReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.APIVersion != accesspolicy.APIVersionV1beta1 || !out.Status.Allowed {
		t.Errorf("reply %s (%v)", rec.Body, err)
	}
}

func TestHandlerBadRequests(t *testing.T) {
	h := handler(t, awsauth.ModeAPI, nil)
	both := sar("u", nil, ra("get", "", "", "nodes", "", ""), &authzv1.NonResourceAttributes{Verb: "get", Path: "/"})
	for name, tt := range map[string]struct {
		method, body string
		want         int
	}{
		"GET":          {http.MethodGet, "", http.StatusMethodNotAllowed},
		"not JSON":     {http.MethodPost, "{", http.StatusBadRequest},
		"wrong kind":   {http.MethodPost, `{"apiVersion":"authorization.k8s.io/v1","kind":"TokenReview"}`, http.StatusBadRequest},
		"no attrs":     {http.MethodPost, `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"u"}}`, http.StatusBadRequest},
		"both attrs":   {http.MethodPost, mustJSON(both), http.StatusBadRequest},
		"too large":    {http.MethodPost, `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"` + strings.Repeat("u", accesspolicy.DefaultMaxBodyBytes) + `"}}`, http.StatusRequestEntityTooLarge},
		"self subject": {http.MethodPost, `{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview"}`, http.StatusBadRequest},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, "/authorize", strings.NewReader(tt.body)))
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", name, rec.Code, tt.want)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

type failingSource struct{}

func (failingSource) Associations(context.Context, string, string, []string, map[string][]string) ([]accesspolicy.Association, error) {
	return nil, errors.New("store down: secret-looking detail")
}

func TestLookupFailureIsNoOpinion(t *testing.T) {
	h := &accesspolicy.Handler{Authorizer: &accesspolicy.Authorizer{Associations: failingSource{}}, Cluster: accesspolicy.FixedCluster(cluster)}
	code, out := serve(t, h, sar("u", nil, ra("get", "", "", "nodes", "", ""), nil))
	if code != http.StatusOK || out.Status.Allowed || out.Status.Denied || out.Status.EvaluationError == "" || strings.Contains(out.Status.EvaluationError, "secret") {
		t.Errorf("status = %+v", out.Status)
	}
}
