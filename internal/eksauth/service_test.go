package eksauth

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
)

func fixed() time.Time { return fixedNow }

// TestHappyPath: the credentials, the session (type, name, tags, expiry)
// and the response shape.
func TestHappyPath(t *testing.T) {
	for _, kid := range []string{"rsa", "ec"} {
		t.Run(kid, func(t *testing.T) {
			e := newEnv(t, fixed)
			testIssuerURL = e.is.url
			r := e.do("node", "demo", map[string]string{"token": e.token("team-a", func(c claims) { c["_kid"] = kid })})
			golden(t, "happy-path", r)
			var out AssumeRoleForPodIdentityOutput
			must(t, json.Unmarshal(r.Body, &out))
			sessionName := "eks-demo-p-team-a-00000000-0000-4000-8000-000000000002"
			if out.AssumedRoleUser.Arn != "arn:aws:sts::"+acct+":assumed-role/pod-role/"+sessionName ||
				out.AssumedRoleUser.AssumeRoleID != roleID("pod-role")+":"+sessionName {
				t.Errorf("assumed role user %+v", out.AssumedRoleUser)
			}
			sess, err := sessiontoken.Verify(e.ring, out.Credentials.SessionToken, out.Credentials.AccessKeyID, fixedNow)
			must(t, err)
			if sess.Type != sessiontoken.TypePodIdentity || sess.RoleARN != "arn:aws:iam::"+acct+":role/pod-role" || sess.SessionName != sessionName ||
				!sess.Expiration.Equal(fixedNow.Add(6*time.Hour)) || sess.SecretAccessKey != out.Credentials.SecretAccessKey ||
				!strings.HasPrefix(out.Credentials.AccessKeyID, "ASIA") || !time.Time(out.Credentials.Expiration).Equal(sess.Expiration) {
				t.Errorf("session %+v", sess)
			}
			want := map[string]string{
				TagClusterARN: "arn:aws:eks:us-west-2:" + acct + ":cluster/demo", TagClusterName: "demo",
				TagNamespace: "team-a", TagServiceAccount: "app", TagPodName: "p-team-a", TagPodUID: "pod-uid-p-team-a",
			}
			if len(sess.Tags) != len(want) || len(sess.TransitiveTagKeys) != len(want) {
				t.Errorf("tags %v transitive %v", sess.Tags, sess.TransitiveTagKeys)
			}
			for _, tag := range sess.Tags {
				if want[tag.Key] != tag.Value {
					t.Errorf("tag %s=%s", tag.Key, tag.Value)
				}
			}
		})
	}
}

// TestErrors: every failure, its code and status (the model's), its
// golden body, and where a decision was denied, the kept explanation.
func TestErrors(t *testing.T) {
	e := newEnv(t, fixed)
	testIssuerURL = e.is.url
	tok := func(ns string, edit func(claims)) map[string]string {
		return map[string]string{"token": e.token(ns, edit)}
	}
	tests := []struct {
		name, caller, cluster string
		body                  any
		status                int
		code                  string
		explain               string // substring of the explanation
		kept                  bool   // a denial record is kept for explain
	}{
		{"caller-not-authorized", "pod-role-session", "demo", tok("team-a", nil), 403, "AccessDeniedException", "eks-auth:AssumeRoleForPodIdentity", true},
		{"missing-cluster", "node", "nope", tok("team-a", nil), 404, "ResourceNotFoundException", "has no cluster nope", false},
		{"other-region", "other-region", "demo", tok("team-a", nil), 404, "ResourceNotFoundException", "region eu-west-1", false},
		{"bad-cluster-name", "node", "-x", tok("team-a", nil), 400, "InvalidParameterException", "", false},
		{"empty-token", "node", "demo", map[string]string{"token": ""}, 400, "InvalidParameterException", "", false},
		{"not-a-jwt", "node", "demo", map[string]string{"token": "not a jwt"}, 400, "InvalidTokenException", "not a JWT", false},
		{"bad-json", "node", "demo", `{"token": 1}`, 400, "SerializationException", "", false},
		{"wrong-audience", "node", "demo", tok("team-a", func(c claims) { c["aud"] = []string{"sts.amazonaws.com"} }), 400, "InvalidTokenException", "aud", false},
		{"azp-only-audience", "node", "demo", tok("team-a", func(c claims) { c["aud"] = "other"; c["azp"] = Audience }), 400, "InvalidTokenException", "aud must include", false},
		{"expired", "node", "demo", tok("team-a", func(c claims) { c["exp"] = fixedNow.Add(-time.Minute).Unix() }), 400, "ExpiredTokenException", "expired", false},
		{"other-issuer", "node", "demo", tok("team-a", func(c claims) { c["iss"] = "https://evil.example" }), 400, "InvalidTokenException", "does not match", false},
		{"bad-signature", "node", "demo", tok("team-a", func(c claims) { c["_kid"] = "rogue" }), 400, "InvalidTokenException", "", false},
		{"no-pod", "node", "demo", tok("team-a", func(c claims) { delete(c["kubernetes.io"].(map[string]any), "pod") }), 400, "InvalidTokenException", "not bound to a pod", false},
		{"not-a-service-account", "node", "demo", tok("team-a", func(c claims) { delete(c, "kubernetes.io"); c["sub"] = "alice" }), 400, "InvalidTokenException", "names no Kubernetes service account", false},
		{"sub-mismatch", "node", "demo", tok("team-a", func(c claims) { c["sub"] = "system:serviceaccount:kube-system:admin" }), 400, "InvalidTokenException", "disagrees", false},
		{"no-association", "node", "demo", tok("nobody", nil), 404, "ResourceNotFoundException", "create-pod-identity-association", false},
		{"trust-no-service-principal", "node", "demo", tok("bad", nil), 400, "AccessDeniedException", "has no statement for the service principal pods.eks.amazonaws.com", true},
		{"trust-no-tag-session", "node", "demo", tok("tags", nil), 400, "AccessDeniedException", "sts:TagSession", true},
		{"role-missing", "node", "demo", tok("ghost", nil), 400, "AccessDeniedException", "role ghost does not exist", false},
		{"target-not-allowed", "node", "demo", tok("cross-denied", nil), 400, "AccessDeniedException", "", true},
		{"target-wrong-external-id", "node", "demo", tok("cross-wrong-id", nil), 400, "AccessDeniedException", "", true},
		{"cluster-without-issuer", "node", "no-issuer", tok("team-a", nil), 400, "InvalidRequestException", "no OIDC issuer", false},
		{"issuer-down", "node", "down", tok("team-a", func(c claims) { c["iss"] = "https://127.0.0.1:1" }), 503, "ServiceUnavailableException", "unreachable", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.svc.ExplainErrors = false
			r := e.do(tc.caller, tc.cluster, tc.body)
			if r.Status != tc.status || r.ErrorType != tc.code {
				t.Fatalf("got %d %s %s, want %d %s", r.Status, r.ErrorType, r.Body, tc.status, tc.code)
			}
			golden(t, "errors/"+tc.name, r)
			if strings.Contains(string(r.Body), "trustbridge:") || strings.Contains(string(r.Body), "eyJ") {
				t.Errorf("explanation or token leaked: %s", r.Body)
			}
			e.svc.ExplainErrors = true
			r = e.do(tc.caller, tc.cluster, tc.body)
			var body struct{ Message string }
			must(t, json.Unmarshal(r.Body, &body))
			if !strings.Contains(body.Message, tc.explain) {
				t.Errorf("explained message %q lacks %q", body.Message, tc.explain)
			}
			if strings.Contains(body.Message, "eyJ") {
				t.Errorf("token in explanation: %s", body.Message)
			}
			e.audit.Flush()
			if !strings.Contains(e.stream.String(), `"requestID":"`+r.RequestID+`"`) {
				t.Errorf("no audit event for %s", r.RequestID)
			}
			if tok := tc.body; tok != nil {
				if m, ok := tok.(map[string]string); ok && len(m["token"]) > 20 && strings.Contains(e.stream.String(), m["token"][:20]) {
					t.Errorf("token in the audit stream")
				}
			}
			rec, err := e.audit.Get(context.Background(), r.RequestID)
			if tc.kept && (err != nil || rec.Text == "") {
				t.Errorf("no explanation kept for %s: %v", r.RequestID, err)
			}
		})
	}
}

// TestDisableSessionTags: no tags, and a trust policy without
// sts:TagSession suffices.
func TestDisableSessionTags(t *testing.T) {
	e := newEnv(t, fixed)
	out := e.assume(e.token("notags", nil))
	sess, err := sessiontoken.Verify(e.ring, out.Credentials.SessionToken, out.Credentials.AccessKeyID, fixedNow)
	must(t, err)
	if len(sess.Tags) != 0 || len(sess.TransitiveTagKeys) != 0 {
		t.Errorf("tags %v", sess.Tags)
	}
	if !strings.Contains(sess.RoleARN, "assume-only-role") {
		t.Errorf("role %s", sess.RoleARN)
	}
}

// TestTargetRole: the session chains into the target role when its trust
// policy (with the association's external ID) and the first role's
// permissions allow it; the credentials are the target's, for one hour,
// with the tags carried over.
func TestTargetRole(t *testing.T) {
	e := newEnv(t, fixed)
	out := e.assume(e.token("cross", nil))
	if !strings.HasPrefix(out.AssumedRoleUser.Arn, "arn:aws:sts::"+other+":assumed-role/target/eks-demo-p-cross-") ||
		!strings.HasPrefix(out.AssumedRoleUser.AssumeRoleID, roleID("target")+":") {
		t.Errorf("assumed %+v", out.AssumedRoleUser)
	}
	sess, err := sessiontoken.Verify(e.ring, out.Credentials.SessionToken, out.Credentials.AccessKeyID, fixedNow)
	must(t, err)
	if sess.Account != other || sess.ChainDepth != 1 || !sess.Expiration.Equal(fixedNow.Add(time.Hour)) || len(sess.Tags) != 6 ||
		!strings.Contains(sess.SourcePrincipalARN, ":assumed-role/chain-src/") {
		t.Errorf("session %+v", sess)
	}
	if out.PodIdentityAssociation.AssociationID != "a-cross" {
		t.Errorf("association %+v", out.PodIdentityAssociation)
	}
}

// TestABAC: the minted session, authenticated the way the edge does it,
// gets the role's permissions conditioned on its kubernetes-namespace tag.
func TestABAC(t *testing.T) {
	e := newEnv(t, fixed)
	authn := &auth.Authenticator{Cache: e.cache, Ring: e.ring, Verifier: sigv4.NewVerifier(), Now: fixed}
	az := &authz.Authorizer{Cache: e.cache, Audit: e.audit}
	for _, tc := range []struct {
		ns    string
		allow bool
	}{{"team-a", true}, {"team-b", false}} {
		out := e.assume(e.token(tc.ns, nil))
		c, _, err := authn.Resolve(context.Background(), out.Credentials.AccessKeyID, out.Credentials.SessionToken)
		must(t, err)
		c.Time, c.Region = fixedNow, region1
		if c.SessionType != string(sessiontoken.TypePodIdentity) || c.Principal.Type != policy.RoleSession || c.RoleName != "pod-role" {
			t.Fatalf("caller %+v", c)
		}
		ctx := server.WithRequestID(context.Background(), "abac-"+tc.ns)
		err = az.Authorize(ctx, c, authz.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key"})
		if (err == nil) != tc.allow {
			t.Errorf("%s: s3:GetObject allowed=%v (%v)", tc.ns, err == nil, err)
		}
	}
}

// TestSessionName: eks-CLUSTER-POD-UUID, at most 64 characters, UUID kept.
func TestSessionName(t *testing.T) {
	s := &Service{NewUUID: func() string { return "8d6a5b0e-1f2c-4d3e-9a8b-7c6d5e4f3a2b" }}
	valid := regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	for _, tc := range []struct{ cluster, pod, want string }{
		{"demo", "web-0", "eks-demo-web-0-8d6a5b0e-1f2c-4d3e-9a8b-7c6d5e4f3a2b"},
		{"production-cluster", "api-7d9f8c6b5-x2k4p", "eks-production-cluster-api-8d6a5b0e-1f2c-4d3e-9a8b-7c6d5e4f3a2b"},
		{strings.Repeat("c", 100), "p", "eks-ccccccccccccccccccccccc-8d6a5b0e-1f2c-4d3e-9a8b-7c6d5e4f3a2b"},
		{"demo-", "-x", "eks-demo---x-8d6a5b0e-1f2c-4d3e-9a8b-7c6d5e4f3a2b"},
		{"c", strings.Repeat("a", 20) + "-zz", "eks-c-aaaaaaaaaaaaaaaaaaaa-8d6a5b0e-1f2c-4d3e-9a8b-7c6d5e4f3a2b"},
	} {
		got := s.sessionName(tc.cluster, tc.pod)
		if got != tc.want || !valid.MatchString(got) {
			t.Errorf("%s/%s: %q (%d), want %q", tc.cluster, tc.pod, got, len(got), tc.want)
		}
	}
}

// TestUnknownOperation and TestMissingCaller cover the routing edges.
func TestUnknownOperation(t *testing.T) {
	e := newEnv(t, fixed)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/clusters/demo/assume-role-for-pod-identity"},
		{"POST", "/clusters/demo/assume-role"},
		{"POST", "/"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
		rec := httptest.NewRecorder()
		e.svc.ServeREST(rec, req.WithContext(server.WithRequestID(req.Context(), "r")))
		if rec.Code != 404 || rec.Header().Get("x-amzn-ErrorType") != "UnknownOperationException" {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, rec.Code, rec.Body)
		}
	}
	big := strings.Repeat(" ", 1<<20+1)
	req := httptest.NewRequest("POST", "/clusters/demo/assume-role-for-pod-identity", strings.NewReader(big))
	rec := httptest.NewRecorder()
	e.svc.ServeREST(rec, req.WithContext(server.WithRequestID(req.Context(), "r")))
	if rec.Code != 413 {
		t.Errorf("big body: %d", rec.Code)
	}
}

// TestCacheSeesNewAssociation: an association created after a miss is
// found once the cache is invalidated (as the EKS API does after writes).
func TestCacheSeesNewAssociation(t *testing.T) {
	e := newEnv(t, fixed)
	tok := e.token("late", nil)
	if r := e.do("node", "demo", map[string]string{"token": tok}); r.Status != 404 {
		t.Fatalf("got %d", r.Status)
	}
	must(t, e.st.CreatePodIdentityAssociation(context.Background(), store.PodIdentityAssociation{
		Cluster: store.ClusterRef{Account: acct, Region: region1, Name: "demo"}, AssociationID: "a-late", Namespace: "late", ServiceAccount: "app",
		RoleARN: "arn:aws:iam::" + acct + ":role/pod-role", AssociationARN: "arn:aws:eks:us-west-2:" + acct + ":podidentityassociation/demo/a-late"}))
	e.cache.Invalidate()
	if out := e.assume(tok); out.PodIdentityAssociation.AssociationID != "a-late" {
		t.Errorf("association %+v", out.PodIdentityAssociation)
	}
}
