package irsa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// tokenClaims decodes a JWT's payload without verifying it, to check what
// the apiserver issued. Only non-secret claims are ever printed.
type tokenClaims struct {
	Iss        string          `json:"iss"`
	Sub        string          `json:"sub"`
	Aud        []string        `json:"aud"`
	Exp        int64           `json:"exp"`
	Iat        int64           `json:"iat"`
	Kubernetes json.RawMessage `json:"kubernetes.io"`
}

func decodeClaims(t testing.TB, token string) tokenClaims {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWS compact serialization (%d parts)", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var c tokenClaims
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("token payload: %v", err)
	}
	return c
}

// checkIssued checks that the apiserver issued the token for the expected
// issuer, subject and audience.
func checkIssued(t testing.TB, token, issuer, namespace, serviceAccount, audience string) {
	t.Helper()
	c := decodeClaims(t, token)
	if c.Iss != issuer {
		t.Errorf("token iss = %q, want %q", c.Iss, issuer)
	}
	if want := "system:serviceaccount:" + namespace + ":" + serviceAccount; c.Sub != want {
		t.Errorf("token sub = %q, want %q", c.Sub, want)
	}
	if len(c.Aud) != 1 || c.Aud[0] != audience {
		t.Errorf("token aud = %q, want [%q]", c.Aud, audience)
	}
	if len(c.Kubernetes) == 0 {
		t.Error("token has no kubernetes.io claim")
	}
}

// createToken issues a token through the TokenRequest API.
func createToken(t testing.TB, c *testbed.Cluster, namespace, serviceAccount, audience string, expirationSeconds int64) string {
	t.Helper()
	ensureServiceAccount(t, c, namespace, serviceAccount)
	token, err := c.CreateToken(t.Context(), namespace, serviceAccount, []string{audience}, expirationSeconds)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// ensureServiceAccount creates the ServiceAccount (and namespace) unless it
// exists; an existing one keeps its annotations.
func ensureServiceAccount(t testing.TB, c *testbed.Cluster, namespace, name string) {
	t.Helper()
	_, err := c.Client.CoreV1().ServiceAccounts(namespace).Get(t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = c.EnsureServiceAccount(t.Context(), namespace, name, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestSeed003IRSAWithAWSCLI follows seed 003's IRSA section: apply the
// ServiceAccount manifest, get its token with kubectl create token for
// audience sts.amazonaws.com (the kubelet's projected volume would hold the
// same), and let the AWS CLI assume the annotated role from
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE.
func TestSeed003IRSAWithAWSCLI(t *testing.T) {
	c := mainCluster(t)
	tb := sharedServer(t)

	if out, err := c.Kubectl(t, "apply", "-f", filepath.Join("testdata", "seed003-irsa-sa.yaml")); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	role, err := c.Kubectl(t, "get", "serviceaccount", "eks-ec2-list", "-n", "default", "-o", `jsonpath={.metadata.annotations.eks\.amazonaws\.com/role-arn}`)
	if err != nil {
		t.Fatal(err)
	}
	if role != roleARN(accountOne, seed003Role) {
		t.Fatalf("role-arn annotation = %q", role)
	}
	token, err := c.Kubectl(t, "create", "token", "eks-ec2-list", "-n", "default", "--audience", stsAudience)
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	checkIssued(t, token, c.IssuerURL, "default", "eks-ec2-list", stsAudience)
	tokenFile := writeToken(t, token)

	t.Run("get-caller-identity from the environment", func(t *testing.T) {
		env := clientEnv(t, tb.URL, webIdentity{RoleARN: role, TokenFile: tokenFile, SessionName: "seed003-cli"}.env()...)
		var id callerIdentity
		mustAWSCLI(t, env, &id, "sts", "get-caller-identity")
		if want := assumedRoleARN(accountOne, seed003Role, "seed003-cli"); id.Arn != want {
			t.Errorf("Arn = %q, want %q", id.Arn, want)
		}
		if id.Account != accountOne {
			t.Errorf("Account = %q, want %q", id.Account, accountOne)
		}
		if !strings.HasPrefix(id.UserId, "AROA") || !strings.HasSuffix(id.UserId, ":seed003-cli") {
			t.Errorf("UserId = %q, want AROA...:seed003-cli", id.UserId)
		}
	})

	t.Run("assume-role-with-web-identity", func(t *testing.T) {
		env := clientEnv(t, tb.URL)
		var out struct {
			Credentials struct {
				AccessKeyId, SecretAccessKey, SessionToken, Expiration string //nolint:revive // AWS member names
			}
			SubjectFromWebIdentityToken string
			AssumedRoleUser             struct{ AssumedRoleId, Arn string } //nolint:revive // AWS member names
			Provider, Audience          string
		}
		start := time.Now()
		mustAWSCLI(t, env, &out, "sts", "assume-role-with-web-identity",
			"--role-arn", role, "--role-session-name", "seed003-explicit",
			"--web-identity-token", "file://"+tokenFile)
		if out.SubjectFromWebIdentityToken != "system:serviceaccount:default:eks-ec2-list" {
			t.Errorf("SubjectFromWebIdentityToken = %q", out.SubjectFromWebIdentityToken)
		}
		if out.Audience != stsAudience {
			t.Errorf("Audience = %q, want %q", out.Audience, stsAudience)
		}
		if want := providerARN(accountOne, c.IssuerURL); out.Provider != want {
			t.Errorf("Provider = %q, want %q", out.Provider, want)
		}
		if want := assumedRoleARN(accountOne, seed003Role, "seed003-explicit"); out.AssumedRoleUser.Arn != want {
			t.Errorf("AssumedRoleUser.Arn = %q, want %q", out.AssumedRoleUser.Arn, want)
		}
		if !strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") || out.Credentials.SecretAccessKey == "" || out.Credentials.SessionToken == "" {
			t.Errorf("credentials incomplete (access key ID %q)", out.Credentials.AccessKeyId)
		}
		exp, err := time.Parse(time.RFC3339, out.Credentials.Expiration)
		if err != nil {
			t.Fatalf("Expiration %q: %v", out.Credentials.Expiration, err)
		}
		// The default session lasts one hour.
		if d := exp.Sub(start); d < 59*time.Minute || d > 61*time.Minute {
			t.Errorf("Expiration is %s after the call, want one hour", d.Round(time.Second))
		}
	})
}

// TestSeed002TrustPolicy uses seed 002's trust policy verbatim (Federated
// provider ARN, StringEquals on :aud and :sub) apart from the issuer and
// account, with a token from the TokenRequest API, through the AWS CLI,
// boto3 and the AWS SDK for Go v2's default credential chain.
func TestSeed002TrustPolicy(t *testing.T) {
	c := mainCluster(t)
	tb := sharedServer(t)
	const namespace, sa = "gbot-dev", "bot-builder-insight-generator"
	token := createToken(t, c.Cluster, namespace, sa, stsAudience, 0)
	checkIssued(t, token, c.IssuerURL, namespace, sa, stsAudience)
	tokenFile := writeToken(t, token)
	role := roleARN(accountOne, seed002Role)

	t.Run("AWS CLI", func(t *testing.T) {
		env := clientEnv(t, tb.URL, webIdentity{RoleARN: role, TokenFile: tokenFile, SessionName: "seed002-cli"}.env()...)
		var id callerIdentity
		mustAWSCLI(t, env, &id, "sts", "get-caller-identity")
		if want := assumedRoleARN(accountOne, seed002Role, "seed002-cli"); id.Arn != want {
			t.Errorf("Arn = %q, want %q", id.Arn, want)
		}
	})

	t.Run("boto3", func(t *testing.T) {
		env := clientEnv(t, tb.URL, webIdentity{RoleARN: role, TokenFile: tokenFile, SessionName: "seed002-boto3"}.env()...)
		var out struct {
			Method string
			callerIdentity
		}
		boto3(t, env, `
import json, boto3
session = boto3.Session()
ident = session.client("sts").get_caller_identity()
print(json.dumps({"Method": session.get_credentials().method,
                  "UserId": ident["UserId"], "Account": ident["Account"], "Arn": ident["Arn"]}))
`, &out)
		if out.Method != "assume-role-with-web-identity" {
			t.Errorf("boto3 credential method = %q, want assume-role-with-web-identity", out.Method)
		}
		if want := assumedRoleARN(accountOne, seed002Role, "seed002-boto3"); out.Arn != want {
			t.Errorf("Arn = %q, want %q", out.Arn, want)
		}
	})

	t.Run("Go SDK default chain", func(t *testing.T) {
		home := t.TempDir()
		for _, kv := range clientEnv(t, tb.URL, webIdentity{RoleARN: role, TokenFile: tokenFile, SessionName: "seed002-go"}.env()...) {
			name, value, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(name, "AWS_") {
				t.Setenv(name, value)
			}
		}
		for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
			t.Setenv(name, "")
		}
		// LoadDefaultConfig builds the web identity provider's STS client
		// before it applies AWS_ENDPOINT_URL, so that client would call the
		// real STS; the service-specific variable reaches it.
		t.Setenv("AWS_ENDPOINT_URL_STS", tb.URL)
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
		cfg, err := config.LoadDefaultConfig(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if want := assumedRoleARN(accountOne, seed002Role, "seed002-go"); aws.ToString(out.Arn) != want {
			t.Errorf("Arn = %q, want %q", aws.ToString(out.Arn), want)
		}
	})
}

// countingProvider counts the calls that reach the web identity provider.
type countingProvider struct {
	aws.CredentialsProvider
	calls atomic.Int32
}

func (p *countingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.calls.Add(1)
	return p.CredentialsProvider.Retrieve(ctx)
}

// TestGoSDKRefresh checks that the Go SDK's web identity provider, behind
// aws.CredentialsCache, asks STS again when cached credentials come within
// ExpiryWindow of their expiry, and gets new credentials: sessions of 900 s
// (the minimum) with a window larger than that are due for refresh at once,
// so no test waits fifteen minutes.
func TestGoSDKRefresh(t *testing.T) {
	c := mainCluster(t)
	tb := sharedServer(t)
	token := createToken(t, c.Cluster, "default", "eks-ec2-list", stsAudience, 0)
	tokenFile := writeToken(t, token)

	cfg, err := testbed.AWSConfig(tb.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	newProvider := func(session string) *countingProvider {
		return &countingProvider{CredentialsProvider: stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg),
			roleARN(accountOne, seed003Role), stscreds.IdentityTokenFile(tokenFile),
			func(o *stscreds.WebIdentityRoleOptions) {
				o.RoleSessionName = session
				o.Duration = 900 * time.Second
			})}
	}

	t.Run("refreshes inside the expiry window", func(t *testing.T) {
		p := newProvider("go-refresh")
		cache := aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 16 * time.Minute })
		start := time.Now()
		first, err := cache.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !first.CanExpire {
			t.Fatal("web identity credentials cannot expire")
		}
		// The cache moves Expires earlier by the window.
		if d := first.Expires.Add(16 * time.Minute).Sub(start); d < 14*time.Minute || d > 16*time.Minute {
			t.Errorf("session lasts %s, want 900 s", d.Round(time.Second))
		}
		second, err := cache.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := p.calls.Load(); n != 2 {
			t.Errorf("provider called %d times, want 2 (a refresh)", n)
		}
		if second.AccessKeyID == first.AccessKeyID || second.SessionToken == first.SessionToken {
			t.Error("the refresh returned the same credentials")
		}
		// The refreshed credentials work.
		id, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.Credentials = cache }).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if want := assumedRoleARN(accountOne, seed003Role, "go-refresh"); aws.ToString(id.Arn) != want {
			t.Errorf("Arn = %q, want %q", aws.ToString(id.Arn), want)
		}
	})

	t.Run("caches outside the expiry window", func(t *testing.T) {
		p := newProvider("go-cached")
		cache := aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = time.Minute })
		first, err := cache.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		second, err := cache.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n := p.calls.Load(); n != 1 {
			t.Errorf("provider called %d times, want 1", n)
		}
		if second.AccessKeyID != first.AccessKeyID {
			t.Error("cached credentials changed")
		}
	})
}
