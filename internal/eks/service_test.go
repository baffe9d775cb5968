package eks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/store"
)

// testCA is a self-signed certificate (openssl req -x509), only ever parsed.
const testCA = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUbsL+6u5BsmbFmiQKDFrgu+1qAQ4wCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMdGVzdC1jbHVzdGVyMCAXDTI2MTEyMjIxNDkwMVoYDzIxMjYx
MDI5MjE0OTAxWjAXMRUwEwYDVQQDDAx0ZXN0LWNsdXN0ZXIwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARowJQBd535S5hEyeNA5QIA0kG8Ee8RyLgn4C+5W57v5mrM
qt/Df9IPu6/42LYeF29EJbPbQosyADvqjZoBMZqgo1MwUTAdBgNVHQ4EFgQUmVX/
pAedOlg1A3Sw+nReUaUtzmkwHwYDVR0jBBgwFoAUmVX/pAedOlg1A3Sw+nReUaUt
zmkwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAayb71Jkw0A49p
hv381hLcT2gqHpYEfFnaRbxVl6eJ0QIhAN48O+uZvPWmSO133kwybugPtyhROauV
g0rGmUpp7TGn
-----END CERTIFICATE-----
`

// TestScenario walks every action through a cluster's life with golden
// responses, successes and errors alike.
func TestScenario(t *testing.T) {
	e := newEnv(t)
	ca := base64.StdEncoding.EncodeToString([]byte(testCA))
	role := "arn:aws:iam::" + acct + ":role/pod-role"
	userThree := "arn:aws:iam::" + acct + ":user/UserThree"
	entryPath := "/clusters/demo/access-entries/" + url.PathEscape(userThree)
	view := AccessPolicyARN("aws", "AmazonEKSViewPolicy")
	steps := []struct {
		name, caller, method, path string
		body                       any
	}{
		{"create-cluster", "ops", "POST", "/clusters", map[string]any{
			"name": "demo", "version": "1.31", "roleArn": "arn:aws:iam::" + acct + ":role/eks", "resourcesVpcConfig": map[string]any{"subnetIds": []string{"subnet-1"}},
			"tags": map[string]string{"team": "blue"}, "accessConfig": map[string]any{"authenticationMode": "API_AND_CONFIG_MAP"},
			"trustbridge": map[string]any{"oidcIssuer": "https://issuer.example/demo", "endpoint": "https://127.0.0.1:6443", "certificateAuthority": ca},
		}},
		{"create-cluster-again", "root", "POST", "/clusters", map[string]any{"name": "demo", "roleArn": "r", "resourcesVpcConfig": map[string]any{}}},
		{"create-cluster-no-vpc", "root", "POST", "/clusters", map[string]any{"name": "x", "roleArn": "r"}},
		{"create-cluster-bad-name", "root", "POST", "/clusters", map[string]any{"name": "-x", "roleArn": "r", "resourcesVpcConfig": map[string]any{}}},
		{"create-cluster-bad-mode", "root", "POST", "/clusters", map[string]any{"name": "x", "roleArn": "r", "resourcesVpcConfig": map[string]any{}, "accessConfig": map[string]any{"authenticationMode": "OPEN"}}},
		{"create-cluster-bad-issuer", "root", "POST", "/clusters", map[string]any{"name": "x", "roleArn": "r", "resourcesVpcConfig": map[string]any{}, "trustbridge": map[string]any{"oidcIssuer": "http://insecure"}}},
		{"create-cluster-bad-ca", "root", "POST", "/clusters", map[string]any{"name": "x", "roleArn": "r", "resourcesVpcConfig": map[string]any{}, "trustbridge": map[string]any{"certificateAuthority": "bm90IGEgY2VydA=="}}},
		{"create-cluster-bad-json", "root", "POST", "/clusters", `{"name": 5}`},
		{"create-cluster-denied", "viewer", "POST", "/clusters", map[string]any{"name": "v", "roleArn": "r", "resourcesVpcConfig": map[string]any{}}},
		{"describe-cluster", "viewer", "GET", "/clusters/demo", nil},
		{"describe-cluster-missing", "root", "GET", "/clusters/nope", nil},
		{"describe-cluster-other-account", "stranger", "GET", "/clusters/demo", nil},
		{"list-clusters", "root", "GET", "/clusters", nil},
		{"list-clusters-bad-max", "root", "GET", "/clusters?maxResults=0", nil},
		{"list-clusters-bad-token", "root", "GET", "/clusters?nextToken=garbage", nil},
		{"list-access-entries-bootstrap", "root", "GET", "/clusters/demo/access-entries", nil},
		{"describe-bootstrap-entry", "root", "GET", "/clusters/demo/access-entries/" + url.PathEscape("arn:aws:iam::"+acct+":role/eng/Ops"), nil},
		{"create-access-entry", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": userThree, "kubernetesGroups": []string{"viewers"}, "tags": map[string]string{"k": "v"}}},
		{"create-access-entry-again", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": userThree}},
		{"create-access-entry-bad-arn", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:sts::" + acct + ":assumed-role/R/s"}},
		{"create-access-entry-system-group", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":user/U4", "kubernetesGroups": []string{"system:masters"}}},
		{"create-access-entry-reserved-username", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":user/U4", "username": "eks:admin"}},
		{"create-access-entry-node-user", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":user/U4", "type": "EC2_LINUX"}},
		{"create-access-entry-node-groups", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":role/node", "type": "EC2_LINUX", "kubernetesGroups": []string{"g"}}},
		{"create-access-entry-bad-type", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":role/node", "type": "ROBOT"}},
		{"create-access-entry-node", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":role/node", "type": "EC2_LINUX"}},
		{"create-access-entry-role", "root", "POST", "/clusters/demo/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":role/team/dev"}},
		{"create-access-entry-missing-cluster", "root", "POST", "/clusters/nope/access-entries", map[string]any{"principalArn": userThree}},
		{"describe-access-entry", "viewer", "GET", entryPath, nil},
		{"describe-access-entry-role-default-username", "viewer", "GET", "/clusters/demo/access-entries/" + url.PathEscape("arn:aws:iam::"+acct+":role/team/dev"), nil},
		{"describe-access-entry-node", "viewer", "GET", "/clusters/demo/access-entries/" + url.PathEscape("arn:aws:iam::"+acct+":role/node"), nil},
		{"describe-access-entry-missing", "root", "GET", "/clusters/demo/access-entries/" + url.PathEscape("arn:aws:iam::"+acct+":user/nobody"), nil},
		{"update-access-entry", "root", "POST", entryPath, map[string]any{"kubernetesGroups": []string{"a", "b"}, "username": "user-three"}},
		{"update-access-entry-node", "root", "POST", "/clusters/demo/access-entries/" + url.PathEscape("arn:aws:iam::"+acct+":role/node"), map[string]any{"username": "x"}},
		{"associate-access-policy", "root", "POST", entryPath + "/access-policies", map[string]any{"policyArn": view, "accessScope": map[string]any{"type": "namespace", "namespaces": []string{"default", "kube-*"}}}},
		{"associate-access-policy-replace", "root", "POST", entryPath + "/access-policies", map[string]any{"policyArn": view, "accessScope": map[string]any{"type": "cluster"}}},
		{"associate-access-policy-unknown", "root", "POST", entryPath + "/access-policies", map[string]any{"policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodPolicy", "accessScope": map[string]any{"type": "cluster"}}},
		{"associate-access-policy-bad-scope", "root", "POST", entryPath + "/access-policies", map[string]any{"policyArn": view, "accessScope": map[string]any{"type": "namespace"}}},
		{"associate-access-policy-cluster-namespaces", "root", "POST", entryPath + "/access-policies", map[string]any{"policyArn": view, "accessScope": map[string]any{"type": "cluster", "namespaces": []string{"a"}}}},
		{"associate-access-policy-node", "root", "POST", "/clusters/demo/access-entries/" + url.PathEscape("arn:aws:iam::"+acct+":role/node") + "/access-policies", map[string]any{"policyArn": view, "accessScope": map[string]any{"type": "cluster"}}},
		{"list-associated-access-policies", "viewer", "GET", entryPath + "/access-policies", nil},
		{"list-access-entries-filtered", "root", "GET", "/clusters/demo/access-entries?associatedPolicyArn=" + url.QueryEscape(view), nil},
		{"list-access-entries-page", "root", "GET", "/clusters/demo/access-entries?maxResults=2", nil},
		{"disassociate-access-policy", "root", "DELETE", entryPath + "/access-policies/" + url.PathEscape(view), nil},
		{"disassociate-access-policy-again", "root", "DELETE", entryPath + "/access-policies/" + url.PathEscape(view), nil},
		{"list-access-policies", "viewer", "GET", "/access-policies", nil},
		{"list-access-policies-page", "viewer", "GET", "/access-policies?maxResults=3&nextToken=" + paginateToken("AmazonEKSAdminViewPolicy"), nil},
		{"create-pod-identity-association", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "pod-id", "serviceAccount": "pod-identity", "roleArn": role, "tags": map[string]string{"app": "x"}}},
		{"create-pod-identity-association-again", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "pod-id", "serviceAccount": "pod-identity", "roleArn": role}},
		{"create-pod-identity-association-target", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "cross", "serviceAccount": "remote", "roleArn": role, "targetRoleArn": "arn:aws:iam::" + other + ":role/remote", "disableSessionTags": true}},
		{"create-pod-identity-association-no-passrole", "ops", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "a", "serviceAccount": "b", "roleArn": role}},
		{"create-pod-identity-association-missing-role", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "a", "serviceAccount": "b", "roleArn": "arn:aws:iam::" + acct + ":role/ghost"}},
		{"create-pod-identity-association-other-account-role", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "a", "serviceAccount": "b", "roleArn": "arn:aws:iam::" + other + ":role/x"}},
		{"create-pod-identity-association-bad-namespace", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "Bad_NS", "serviceAccount": "b", "roleArn": role}},
		{"create-pod-identity-association-policy", "admin", "POST", "/clusters/demo/pod-identity-associations", map[string]any{"namespace": "a", "serviceAccount": "b", "roleArn": role, "policy": "{}"}},
		{"create-pod-identity-association-missing-cluster", "admin", "POST", "/clusters/nope/pod-identity-associations", map[string]any{"namespace": "a", "serviceAccount": "b", "roleArn": role}},
		{"list-pod-identity-associations", "viewer", "GET", "/clusters/demo/pod-identity-associations", nil},
		{"list-pod-identity-associations-filtered", "viewer", "GET", "/clusters/demo/pod-identity-associations?namespace=cross", nil},
		{"describe-pod-identity-association", "viewer", "GET", "/clusters/demo/pod-identity-associations/a-00000000000000001", nil},
		{"describe-pod-identity-association-target", "viewer", "GET", "/clusters/demo/pod-identity-associations/a-00000000000000003", nil},
		{"describe-pod-identity-association-missing", "viewer", "GET", "/clusters/demo/pod-identity-associations/a-nope", nil},
		{"update-pod-identity-association", "admin", "POST", "/clusters/demo/pod-identity-associations/a-00000000000000001", map[string]any{"roleArn": "arn:aws:iam::" + acct + ":role/other-role", "disableSessionTags": true}},
		{"update-pod-identity-association-no-passrole", "ops", "POST", "/clusters/demo/pod-identity-associations/a-00000000000000001", map[string]any{"roleArn": role}},
		{"update-pod-identity-association-clear-target", "admin", "POST", "/clusters/demo/pod-identity-associations/a-00000000000000003", map[string]any{"targetRoleArn": ""}},
		{"delete-pod-identity-association", "admin", "DELETE", "/clusters/demo/pod-identity-associations/a-00000000000000003", nil},
		{"delete-pod-identity-association-again", "admin", "DELETE", "/clusters/demo/pod-identity-associations/a-00000000000000003", nil},
		{"delete-access-entry", "root", "DELETE", entryPath, nil},
		{"delete-access-entry-again", "root", "DELETE", entryPath, nil},
		{"delete-cluster-denied", "viewer", "DELETE", "/clusters/demo", nil},
		{"delete-cluster", "root", "DELETE", "/clusters/demo", nil},
		{"delete-cluster-again", "root", "DELETE", "/clusters/demo", nil},
		{"list-pod-identity-associations-deleted-cluster", "root", "GET", "/clusters/demo/pod-identity-associations", nil},
		{"unknown-operation", "root", "PUT", "/clusters/demo", nil},
		{"unknown-path", "root", "GET", "/nodegroups", nil},
	}
	for _, st := range steps {
		r := e.do(st.caller, st.method, st.path, st.body)
		golden(t, "scenario/"+st.name, r)
		if r.Status >= 500 {
			t.Errorf("%s: status %d %s", st.name, r.Status, r.Body)
		}
	}
}

func paginateToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(last))
}

// TestConfigMapCluster: access entry actions need an API authentication
// mode, and CONFIG_MAP clusters get no bootstrap entry.
func TestConfigMapCluster(t *testing.T) {
	e := newEnv(t)
	e.createCluster("cm", map[string]any{"accessConfig": map[string]any{"authenticationMode": "CONFIG_MAP"}})
	p := "/clusters/cm/access-entries"
	for _, tc := range []struct{ method, path string }{
		{"GET", p},
		{"POST", p},
		{"GET", p + "/" + url.PathEscape("arn:aws:iam::"+acct+":user/x")},
		{"DELETE", p + "/" + url.PathEscape("arn:aws:iam::"+acct+":user/x")},
		{"GET", p + "/" + url.PathEscape("arn:aws:iam::"+acct+":user/x") + "/access-policies"},
	} {
		r := e.fail("root", tc.method, tc.path, map[string]any{"principalArn": "arn:aws:iam::" + acct + ":user/x"}, 400, "InvalidRequestException")
		if !strings.Contains(string(r.Body), "[API, API_AND_CONFIG_MAP]") {
			t.Errorf("%s %s: %s", tc.method, tc.path, r.Body)
		}
	}
	var d DescribeClusterOutput
	e.ok("root", "GET", "/clusters/cm", nil, &d)
	if d.Cluster.AccessConfig.AuthenticationMode != "CONFIG_MAP" {
		t.Errorf("mode %q", d.Cluster.AccessConfig.AuthenticationMode)
	}
}

// TestBootstrap: the creator gets a cluster admin entry unless it is root
// or asked not to.
func TestBootstrap(t *testing.T) {
	tests := []struct {
		name, caller string
		access       map[string]any
		want         []string
	}{
		{"user", "admin", nil, []string{"arn:aws:iam::" + acct + ":user/admin"}},
		{"role session with path", "ops", nil, []string{"arn:aws:iam::" + acct + ":role/eng/Ops"}},
		{"root", "root", nil, []string{}},
		{"disabled", "admin", map[string]any{"bootstrapClusterCreatorAdminPermissions": false}, []string{}},
		{"api mode", "admin", map[string]any{"authenticationMode": "API"}, []string{"arn:aws:iam::" + acct + ":user/admin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			body := map[string]any{"name": "c", "roleArn": "r", "resourcesVpcConfig": map[string]any{}}
			if tc.access != nil {
				body["accessConfig"] = tc.access
			}
			e.ok(tc.caller, "POST", "/clusters", body, nil)
			var l ListAccessEntriesOutput
			e.ok("root", "GET", "/clusters/c/access-entries", nil, &l)
			if strings.Join(l.AccessEntries, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("entries %v, want %v", l.AccessEntries, tc.want)
			}
			for _, p := range tc.want {
				var a ListAssociatedAccessPoliciesOutput
				e.ok("root", "GET", "/clusters/c/access-entries/"+url.PathEscape(p)+"/access-policies", nil, &a)
				if len(a.AssociatedAccessPolicies) != 1 || a.AssociatedAccessPolicies[0].PolicyArn != AccessPolicyARN("aws", "AmazonEKSClusterAdminPolicy") ||
					a.AssociatedAccessPolicies[0].AccessScope.Type != "cluster" {
					t.Errorf("policies %+v", a.AssociatedAccessPolicies)
				}
			}
		})
	}
}

// TestAuthorization checks the action and resource each operation is
// authorized with, and that denials name them in AWS's words.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	e.createCluster("blue", map[string]any{"tags": map[string]string{"team": "blue"}})
	e.createCluster("red", map[string]any{"tags": map[string]string{"team": "red"}})
	base := "arn:aws:eks:us-west-2:" + acct + ":"
	entry := url.PathEscape("arn:aws:iam::" + acct + ":user/x")
	tests := []struct {
		caller, method, path string
		body                 any
		action, resource     string
	}{
		{"viewer", "POST", "/clusters", map[string]any{"name": "n", "roleArn": "r", "resourcesVpcConfig": map[string]any{}}, "eks:CreateCluster", base + "cluster/n"},
		{"viewer", "DELETE", "/clusters/blue", nil, "eks:DeleteCluster", base + "cluster/blue"},
		{"tagger", "GET", "/clusters/red", nil, "eks:DescribeCluster", base + "cluster/red"},
		{"tagger", "GET", "/clusters", nil, "eks:ListClusters", base + "cluster/*"},
		{"tagger", "GET", "/access-policies", nil, "eks:ListAccessPolicies", "*"},
		{"viewer", "POST", "/clusters/blue/pod-identity-associations", map[string]any{}, "eks:CreatePodIdentityAssociation", base + "cluster/blue"},
		{"viewer", "DELETE", "/clusters/blue/pod-identity-associations/a-1", nil, "eks:DeletePodIdentityAssociation", base + "podidentityassociation/blue/a-1"},
		{"viewer", "POST", "/clusters/blue/pod-identity-associations/a-1", map[string]any{}, "eks:UpdatePodIdentityAssociation", base + "podidentityassociation/blue/a-1"},
		{"tagger", "GET", "/clusters/red/pod-identity-associations", nil, "eks:ListPodIdentityAssociations", base + "cluster/red"},
		{"viewer", "POST", "/clusters/blue/access-entries", map[string]any{}, "eks:CreateAccessEntry", base + "cluster/blue"},
		{"viewer", "DELETE", "/clusters/blue/access-entries/" + entry, nil, "eks:DeleteAccessEntry", base + "access-entry/blue/user/" + acct + "/x/*"},
		{"viewer", "POST", "/clusters/blue/access-entries/" + entry + "/access-policies", map[string]any{}, "eks:AssociateAccessPolicy", base + "access-entry/blue/user/" + acct + "/x/*"},
		{"stranger", "GET", "/clusters/blue", nil, "eks:DescribeCluster", "arn:aws:eks:us-west-2:" + other + ":cluster/blue"},
	}
	for _, tc := range tests {
		t.Run(tc.action+" as "+tc.caller, func(t *testing.T) {
			r := e.do(tc.caller, tc.method, tc.path, tc.body)
			if tc.caller == "stranger" {
				// Root of another account may do anything there, and the
				// cluster is not there.
				if r.ErrorType != "ResourceNotFoundException" {
					t.Fatalf("got %d %s %s", r.Status, r.ErrorType, r.Body)
				}
				return
			}
			if r.Status != 403 || r.ErrorType != "AccessDeniedException" {
				t.Fatalf("got %d %s %s", r.Status, r.ErrorType, r.Body)
			}
			var body struct{ Message string }
			r.decode(t, &body)
			want := "User: arn:aws:iam::" + acct + ":user/" + tc.caller + " is not authorized to perform: " + tc.action + " on resource: " + tc.resource
			if !strings.HasPrefix(body.Message, want) {
				t.Errorf("message %q\nwant prefix %q", body.Message, want)
			}
			// The decision is kept for trustbridge explain.
			e.audit.Flush()
			if rec, err := e.audit.Get(context.Background(), r.RequestID); err != nil || rec.Event.Decision == nil || rec.Event.Decision.Action != tc.action {
				t.Errorf("kept decision %+v, %v", rec, err)
			}
		})
	}
	// ABAC on the cluster's tags: tagger may act on team=blue only.
	e.ok("tagger", "GET", "/clusters/blue", nil, nil)
	e.ok("tagger", "GET", "/clusters/blue/pod-identity-associations", nil, nil)
}

// TestExplainErrors: the explanation reaches the client only when asked.
func TestExplainErrors(t *testing.T) {
	e := newEnv(t)
	e.createCluster("c", nil)
	r := e.fail("viewer", "DELETE", "/clusters/c", nil, 403, "AccessDeniedException")
	if strings.Contains(string(r.Body), "trustbridge") {
		t.Errorf("explanation leaked: %s", r.Body)
	}
	e.svc.ExplainErrors = true
	r = e.fail("viewer", "DELETE", "/clusters/c", nil, 403, "AccessDeniedException")
	if !strings.Contains(string(r.Body), "(trustbridge: ") {
		t.Errorf("no explanation: %s", r.Body)
	}
}

// TestAuthenticationFailure: authentication errors use REST/JSON names and
// nothing is routed.
func TestAuthenticationFailure(t *testing.T) {
	e := newEnv(t)
	e.auth.err = apierror.InvalidClientTokenID()
	e.fail("root", "GET", "/clusters", nil, 403, "UnrecognizedClientException")
	e.auth.err = apierror.SignatureDoesNotMatch("")
	e.fail("root", "GET", "/clusters", nil, 403, "InvalidSignatureException")
	e.auth.err = nil
	e.auth.callers["nobody"] = nil
	// A service that is reached without a caller in the context (a wiring
	// bug) answers MissingAuthenticationToken rather than panic.
	e.svc.Auth = authFunc(func(ctx context.Context, r *http.Request, b []byte, s string) (context.Context, error) {
		return ctx, nil
	})
	e.fail("root", "GET", "/clusters", nil, 403, "MissingAuthenticationTokenException")
}

type authFunc func(context.Context, *http.Request, []byte, string) (context.Context, error)

func (f authFunc) Authenticate(ctx context.Context, r *http.Request, b []byte, s string) (context.Context, error) {
	return f(ctx, r, b, s)
}

// TestBodyBounds: oversized and unreadable bodies are refused before
// authentication.
func TestBodyBounds(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat(" ", 1<<20+1)
	e.fail("root", "POST", "/clusters", big, 413, "RequestEntityTooLargeException")
	req := httptest.NewRequest("POST", "/clusters", errReader{})
	rec := httptest.NewRecorder()
	e.svc.ServeREST(rec, req.WithContext(server.WithRequestID(req.Context(), "r")))
	if rec.Code != 400 || rec.Header().Get("x-amzn-ErrorType") != "InvalidRequestException" {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

// TestInternalErrorsDoNotLeak: a store failure is a bare 500.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t)
	e.createCluster("c", nil)
	must(t, e.st.Close())
	e.cache.Invalidate()
	r := e.do("root", "GET", "/clusters", nil)
	if r.Status != 500 || r.ErrorType != "InternalFailure" {
		t.Fatalf("got %d %s %s", r.Status, r.ErrorType, r.Body)
	}
	if strings.Contains(strings.ToLower(string(r.Body)), "sql") || strings.Contains(string(r.Body), "closed") {
		t.Errorf("leaked: %s", r.Body)
	}
}

// TestPagination pages through clusters, entries and associations with
// every page size.
func TestPagination(t *testing.T) {
	e := newEnv(t)
	var names []string
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		e.createCluster(n, map[string]any{"accessConfig": map[string]any{"bootstrapClusterCreatorAdminPermissions": false}})
		names = append(names, n)
	}
	var principals []string
	for _, u := range []string{"u1", "u2", "u3", "u4", "u5"} {
		p := "arn:aws:iam::" + acct + ":user/" + u
		principals = append(principals, p)
		e.ok("root", "POST", "/clusters/a/access-entries", map[string]any{"principalArn": p}, nil)
		if u != "u3" {
			e.ok("root", "POST", "/clusters/a/access-entries/"+url.PathEscape(p)+"/access-policies",
				map[string]any{"policyArn": AccessPolicyARN("aws", "AmazonEKSEditPolicy"), "accessScope": map[string]any{"type": "cluster"}}, nil)
		}
		e.ok("admin", "POST", "/clusters/a/pod-identity-associations", map[string]any{"namespace": "ns", "serviceAccount": u, "roleArn": "arn:aws:iam::" + acct + ":role/pod-role"}, nil)
	}
	collect := func(path, field string, size int) []string {
		var all []string
		token := ""
		for i := 0; i < 20; i++ {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			p := path + sep + "maxResults=" + strconv.Itoa(size)
			if token != "" {
				p += "&nextToken=" + url.QueryEscape(token)
			}
			var m map[string]json.RawMessage
			e.ok("root", "GET", p, nil, &m)
			switch field {
			case "associations":
				var l []PodIdentityAssociationSummary
				json.Unmarshal(m[field], &l)
				for _, a := range l {
					all = append(all, a.ServiceAccount)
				}
			case "accessPolicies":
				var l []AccessPolicy
				json.Unmarshal(m[field], &l)
				for _, a := range l {
					all = append(all, a.Name)
				}
			default:
				var l []string
				json.Unmarshal(m[field], &l)
				if len(l) > size {
					t.Fatalf("%s: page of %d > %d", path, len(l), size)
				}
				all = append(all, l...)
			}
			token = ""
			json.Unmarshal(m["nextToken"], &token)
			if token == "" {
				return all
			}
		}
		t.Fatalf("%s: no end", path)
		return nil
	}
	filtered := []string{principals[0], principals[1], principals[3], principals[4]}
	for size := 1; size <= 6; size++ {
		if got := collect("/clusters", "clusters", size); strings.Join(got, ",") != strings.Join(names, ",") {
			t.Errorf("size %d: clusters %v", size, got)
		}
		if got := collect("/clusters/a/access-entries", "accessEntries", size); strings.Join(got, ",") != strings.Join(principals, ",") {
			t.Errorf("size %d: entries %v", size, got)
		}
		if got := collect("/clusters/a/access-entries?associatedPolicyArn="+url.QueryEscape(AccessPolicyARN("aws", "AmazonEKSEditPolicy")), "accessEntries", size); strings.Join(got, ",") != strings.Join(filtered, ",") {
			t.Errorf("size %d: filtered entries %v", size, got)
		}
		if got := collect("/clusters/a/pod-identity-associations", "associations", size); strings.Join(got, ",") != "u1,u2,u3,u4,u5" {
			t.Errorf("size %d: associations %v", size, got)
		}
		if got := collect("/access-policies", "accessPolicies", size); strings.Join(got, ",") != strings.Join(AccessPolicyNames, ",") {
			t.Errorf("size %d: policies %v", size, got)
		}
	}
}

// TestStoreSemantics: what the API writes is what the world file would
// have written, as the Kubernetes-facing packages read it.
func TestStoreSemantics(t *testing.T) {
	e := newEnv(t)
	e.createCluster("c", map[string]any{"trustbridge": map[string]any{"certificateAuthority": testCA, "oidcIssuer": "https://issuer.example/c/"}})
	ctx := context.Background()
	ref := store.ClusterRef{Account: acct, Region: region1, Name: "c"}
	cl, err := e.st.GetCluster(ctx, ref)
	must(t, err)
	if cl.ARN != "arn:aws:eks:us-west-2:"+acct+":cluster/c" || cl.Status != "ACTIVE" || cl.AuthenticationMode != store.AuthModeAPIAndConfigMap || cl.Version != DefaultKubernetesVersion {
		t.Errorf("cluster %+v", cl)
	}
	if cl.OIDCIssuer != "https://issuer.example/c" {
		t.Errorf("issuer %q: the trailing slash must go (tokens carry none)", cl.OIDCIssuer)
	}
	if pem, _ := base64.StdEncoding.DecodeString(cl.CertificateAuthority); string(pem) != testCA {
		t.Errorf("CA not stored as base64 of the PEM: %q", cl.CertificateAuthority)
	}
	// A world-file cluster stores the PEM itself; DescribeCluster encodes it.
	must(t, e.st.UpdateCluster(ctx, ref, func(c *store.Cluster) error { c.CertificateAuthority = testCA; return nil }))
	e.cache.Invalidate()
	var d DescribeClusterOutput
	e.ok("root", "GET", "/clusters/c", nil, &d)
	if d.Cluster.CertificateAuthority == nil || d.Cluster.CertificateAuthority.Data != base64.StdEncoding.EncodeToString([]byte(testCA)) {
		t.Errorf("certificateAuthority %+v", d.Cluster.CertificateAuthority)
	}
	e.ok("root", "POST", "/clusters/c/access-entries", map[string]any{"principalArn": "arn:aws:iam::" + acct + ":role/node", "type": "EC2_LINUX"}, nil)
	got, err := e.st.GetAccessEntry(ctx, ref, "arn:aws:iam::"+acct+":role/node")
	must(t, err)
	if got.Username != "" || got.KubernetesGroups != nil || got.Type != "EC2_LINUX" {
		t.Errorf("node entry stored with defaults: %+v", got)
	}
	e.ok("admin", "POST", "/clusters/c/pod-identity-associations", map[string]any{"namespace": "ns", "serviceAccount": "sa", "roleArn": "arn:aws:iam::" + acct + ":role/pod-role"}, nil)
	a, err := e.cache.PodIdentityAssociation(ctx, ref, "ns", "sa")
	must(t, err)
	if a.RoleARN != "arn:aws:iam::"+acct+":role/pod-role" || a.AssociationARN != "arn:aws:eks:us-west-2:"+acct+":podidentityassociation/c/a-00000000000000001" {
		t.Errorf("association %+v", a)
	}
}

// TestPathEscaping: principal ARNs with paths arrive escaped in one path
// segment and are decoded once.
func TestPathEscaping(t *testing.T) {
	e := newEnv(t)
	e.createCluster("c", nil)
	p := "arn:aws:iam::" + acct + ":role/a/b/c/deep"
	e.ok("root", "POST", "/clusters/c/access-entries", map[string]any{"principalArn": p}, nil)
	var d AccessEntryOutput
	e.ok("root", "GET", "/clusters/c/access-entries/"+url.PathEscape(p), nil, &d)
	if d.AccessEntry.PrincipalArn != p || d.AccessEntry.Username != "arn:aws:sts::"+acct+":assumed-role/deep/{{SessionName}}" {
		t.Errorf("%+v", d.AccessEntry)
	}
	// Unescaped slashes are other routes.
	e.fail("root", "GET", "/clusters/c/access-entries/"+p, nil, 404, "UnknownOperationException")
}

func TestEpoch(t *testing.T) {
	tests := []struct {
		ms   int64
		want string
	}{
		{1700000000123, "1700000000.123"},
		{1700000000100, "1700000000.1"},
		{1700000000000, "1700000000"},
		{-1500, "-1.5"},
		{-1, "-0.001"},
	}
	for _, tc := range tests {
		b, _ := Epoch(time.UnixMilli(tc.ms)).MarshalJSON()
		if string(b) != tc.want {
			t.Errorf("%d: %s, want %s", tc.ms, b, tc.want)
		}
	}
}

func TestNewAssociationID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewAssociationID()
		if len(id) != 19 || !strings.HasPrefix(id, "a-") || strings.Trim(id[2:], "abcdefghijklmnopqrstuvwxyz0123456789") != "" || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestEffectiveIdentity(t *testing.T) {
	tests := []struct {
		arn, typ, user string
		groups         []string
		wantUser       string
		wantGroups     string
	}{
		{"arn:aws:iam::1:user/u", "STANDARD", "", nil, "arn:aws:iam::1:user/u", ""},
		{"arn:aws:iam::1:role/p/r", "STANDARD", "", []string{"g"}, "arn:aws:sts::1:assumed-role/r/{{SessionName}}", "g"},
		{"arn:aws-cn:iam::1:role/r", "STANDARD", "", nil, "arn:aws-cn:sts::1:assumed-role/r/{{SessionName}}", ""},
		{"arn:aws:iam::1:role/r", "STANDARD", "me", nil, "me", ""},
		{"arn:aws:iam::1:role/r", "EC2_LINUX", "", nil, "system:node:{{EC2PrivateDNSName}}", "system:nodes"},
		{"arn:aws:iam::1:role/r", "EC2", "", nil, "system:node:{{EC2PrivateDNSName}}", "system:nodes"},
		{"arn:aws:iam::1:role/r", "EC2_WINDOWS", "", nil, "system:node:{{EC2PrivateDNSName}}", "system:nodes,eks:kube-proxy-windows"},
		{"arn:aws:iam::1:role/r", "FARGATE_LINUX", "", nil, "system:node:{{SessionName}}", "system:nodes,system:node-proxier"},
		{"arn:aws:iam::1:role/r", "HYBRID_LINUX", "", nil, "system:node:{{SessionName}}", "system:nodes"},
		{"arn:aws:iam::1:role/r", "HYPERPOD_LINUX", "", nil, "", ""},
	}
	for _, tc := range tests {
		u, g := EffectiveIdentity(tc.arn, tc.typ, tc.user, tc.groups)
		if u != tc.wantUser || strings.Join(g, ",") != tc.wantGroups {
			t.Errorf("%s %s: %q %v", tc.arn, tc.typ, u, g)
		}
	}
}

func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		f    func(string) bool
		in   string
		want bool
	}{
		{validClusterName, "demo-1_x", true},
		{validClusterName, "_x", false},
		{validClusterName, strings.Repeat("a", 100), true},
		{validClusterName, strings.Repeat("a", 101), false},
		{validClusterName, "", false},
		{validNamespace, "kube-system", true},
		{validNamespace, "Kube", false},
		{validNamespace, strings.Repeat("a", 64), false},
		{validServiceAccount, "my.sa-1", true},
		{validServiceAccount, "my_sa", false},
		{validNamespacePattern, "kube-*", true},
		{validNamespacePattern, "*", true},
		{validNamespacePattern, "-x*", false},
		{validNamespacePattern, "a*b", false},
		{checkHTTPSURL, "https://h/p", true},
		{checkHTTPSURL, "https://h/p?q=1", false},
		{checkHTTPSURL, "http://h", false},
		{checkHTTPSURL, "https://u:p@h", false},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%q: %v", tc.in, got)
		}
	}
	for _, tc := range []struct {
		arn  string
		ok   bool
		role bool
	}{
		{"arn:aws:iam::111122223333:user/u", true, false},
		{"arn:aws:iam::111122223333:role/path/r", true, true},
		{"arn:aws:iam::111122223333:root", false, false},
		{"arn:aws:iam::1:user/u", false, false},
		{"arn:aws-cn:iam::111122223333:user/u", false, false},
		{"arn:aws:sts::111122223333:assumed-role/r/s", false, false},
		{"arn:aws:iam::111122223333:group/g", false, false},
		{"arn:aws:iam:us-east-1:111122223333:user/u", false, false},
	} {
		p, ok := parsePrincipal("aws", tc.arn)
		if ok != tc.ok || p.role != tc.role {
			t.Errorf("%s: %+v %v", tc.arn, p, ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want bool
	}{{"", true}, {testCA, true}, {base64.StdEncoding.EncodeToString([]byte(testCA)), true}, {"!!", false}, {"aGVsbG8=", false}} {
		if _, ok := normalizeCA(tc.in); ok != tc.want {
			t.Errorf("normalizeCA(%.20q) = %v", tc.in, ok)
		}
	}
}

// TestUpdateAssociationOfDeletedRole: an association whose role is gone
// can still be updated (to a role that exists, or just its tag setting).
func TestUpdateAssociationOfDeletedRole(t *testing.T) {
	e := newEnv(t)
	e.createCluster("c", nil)
	ctx := context.Background()
	must(t, e.st.CreateRole(ctx, store.Role{Account: acct, Name: "doomed", Path: "/", RoleID: "AROADOOMEDXXXXXXXXXX", CreateDate: fixedNow, TrustPolicy: `{"Version":"2012-10-17","Statement":[]}`}))
	var out struct{ Association PodIdentityAssociation }
	e.ok("admin", "POST", "/clusters/c/pod-identity-associations", map[string]any{"namespace": "ns", "serviceAccount": "sa", "roleArn": "arn:aws:iam::" + acct + ":role/doomed"}, &out)
	must(t, e.st.DeleteRole(ctx, acct, "doomed"))
	e.cache.Invalidate()
	p := "/clusters/c/pod-identity-associations/" + out.Association.AssociationID
	e.ok("admin", "POST", p, map[string]any{"disableSessionTags": true}, nil)
	e.fail("admin", "POST", p, map[string]any{"roleArn": "arn:aws:iam::" + acct + ":role/ghost"}, 400, "InvalidParameterException")
	e.ok("admin", "POST", p, map[string]any{"roleArn": "arn:aws:iam::" + acct + ":role/pod-role"}, &out)
	if out.Association.RoleArn != "arn:aws:iam::"+acct+":role/pod-role" || !out.Association.DisableSessionTags {
		t.Errorf("%+v", out.Association)
	}
}
