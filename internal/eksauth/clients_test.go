package eksauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/trustbridge/trustbridge/internal/agent"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
)

// live is EKS Auth behind trustbridge's real edge and SigV4 authenticator,
// on the real clock, with an IAM user "node" allowed to call it.
type live struct {
	*env
	url         string
	key, secret string
}

func newLive(t *testing.T) *live {
	t.Helper()
	e := newEnv(t, time.Now)
	ctx := context.Background()
	l := &live{env: e, key: awsid.NewAccessKeyID("AKIA", acct), secret: awsid.NewSecretAccessKey()}
	must(t, e.st.CreateUser(ctx, store.User{Account: acct, Name: "node", Path: "/", UserID: "AIDANODEXXXXXXXXXXXXX", CreateDate: fixedNow}))
	must(t, e.st.PutInlinePolicy(ctx, store.InlinePolicy{Owner: store.Principal{Kind: store.KindUser, Account: acct, Name: "node"}, Name: "agent",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"*"}]}`}))
	sealed, err := e.ring.SealSecret([]byte(l.secret), []byte(l.key))
	must(t, err)
	must(t, e.st.CreateAccessKey(ctx, store.AccessKey{AccessKeyID: l.key, Account: acct, UserName: "node", SecretCiphertext: sealed, Status: store.StatusActive, CreateDate: fixedNow}))
	e.cache.Invalidate()
	e.svc.Auth = &auth.Authenticator{Cache: e.cache, Ring: e.ring, Verifier: sigv4.NewVerifier()}
	edge := server.New(server.Config{REST: map[string]server.RESTService{SigningName: e.svc}, NewRequestID: awsid.NewRequestID})
	srv := httptest.NewServer(edge)
	t.Cleanup(srv.Close)
	l.url = srv.URL
	return l
}

func (l *live) agent(t *testing.T, key, secret string) *agent.Agent {
	a, err := agent.New(agent.Config{Cluster: "demo", Endpoint: l.url, Region: region1,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	must(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

// TestAgent runs the Pod Identity agent (internal/agent) against EKS Auth
// through the edge: both sides agree on the request, the response shape
// and the error names and statuses a pod sees.
func TestAgent(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	a := l.agent(t, l.key, l.secret)
	creds, err := a.Credentials(ctx, l.token("team-a", nil))
	must(t, err)
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.AccountID != acct || creds.Namespace != "team-a" || creds.ServiceAccount != "app" ||
		creds.AssociationID != "a-team-a" || !strings.Contains(creds.AssumedRoleARN, ":assumed-role/pod-role/eks-demo-p-team-a-") ||
		creds.Expiration.Sub(time.Now()) < 5*time.Hour {
		t.Errorf("credentials %+v", creds)
	}
	for _, tc := range []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"no association", l.token("nobody", nil), 404, "ResourceNotFoundException"},
		{"expired", l.token("team-a", func(c claims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), 401, "ExpiredTokenException"},
		{"wrong audience", l.token("team-a", func(c claims) { c["aud"] = "sts.amazonaws.com" }), 401, "InvalidTokenException"},
		{"trust denies", l.token("bad", nil), 403, "AccessDeniedException"},
	} {
		_, err := a.Credentials(ctx, tc.token)
		var ae *agent.Error
		if !errors.As(err, &ae) || ae.Status != tc.status || ae.Code != tc.code {
			t.Errorf("%s: %v (%+v)", tc.name, err, ae)
		}
	}
	// Bad node credentials are the node's fault, not the pod's.
	_, err = l.agent(t, l.key, "wrong-secret-wrong-secret-wrong-secret00").Credentials(ctx, l.token("team-a", nil))
	var ae *agent.Error
	if !errors.As(err, &ae) || ae.Code != agent.CodeNodeCredentials {
		t.Errorf("bad node secret: %v", err)
	}
}

// TestBoto3 calls AssumeRoleForPodIdentity with boto3's eks-auth client.
func TestBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the python subprocess")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	l := newLive(t)
	script := `
import boto3, json, sys, botocore.exceptions
c = boto3.client("eks-auth", endpoint_url=sys.argv[1], region_name="us-west-2")
r = c.assume_role_for_pod_identity(clusterName="demo", token=sys.argv[2])
r.pop("ResponseMetadata")
r["credentials"]["expiration"] = r["credentials"]["expiration"].isoformat()
print(json.dumps(r))
try:
    c.assume_role_for_pod_identity(clusterName="demo", token=sys.argv[3])
except botocore.exceptions.ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}))
`
	home := t.TempDir()
	cmd := exec.Command(py, "-c", script, l.url, l.token("team-a", nil), l.token("nobody", nil))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_ACCESS_KEY_ID=" + l.key, "AWS_SECRET_ACCESS_KEY=" + l.secret,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"), "AWS_EC2_METADATA_DISABLED=true"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %s", out)
	}
	var r struct {
		AssumeRoleForPodIdentityOutput
		Credentials struct {
			AccessKeyID  string `json:"accessKeyId"`
			SessionToken string `json:"sessionToken"`
			Expiration   string `json:"expiration"`
		} `json:"credentials"`
	}
	must(t, json.Unmarshal([]byte(lines[0]), &r))
	exp, err := time.Parse(time.RFC3339, r.Credentials.Expiration)
	if r.Subject.Namespace != "team-a" || r.Audience != Audience || r.PodIdentityAssociation.AssociationID != "a-team-a" ||
		!strings.HasPrefix(r.Credentials.AccessKeyID, "ASIA") || r.Credentials.SessionToken == "" || err != nil || exp.Sub(time.Now()) < 5*time.Hour {
		t.Errorf("boto3 result %s", lines[0])
	}
	var fail struct {
		Code    string
		Status  int
		Message string
	}
	must(t, json.Unmarshal([]byte(lines[1]), &fail))
	if fail.Code != "ResourceNotFoundException" || fail.Status != 404 {
		t.Errorf("boto3 error %s", lines[1])
	}
}
