package tokenreview

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/trustbridge/trustbridge/internal/sigv4"
)

// awsGetToken runs the installed AWS CLI's `aws eks get-token` offline with
// the given extra environment and returns the token.
func awsGetToken(t *testing.T, clusterName string, env ...string) string {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	cmd := exec.Command("aws", "eks", "get-token", "--cluster-name", clusterName)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_DEFAULT_REGION=us-west-2",
	}, env...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("aws eks get-token: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("aws eks get-token: %v", err)
	}
	var ec struct {
		Kind   string `json:"kind"`
		Status struct {
			ExpirationTimestamp time.Time `json:"expirationTimestamp"`
			Token               string    `json:"token"`
		} `json:"status"`
	}
	if err := json.Unmarshal(out, &ec); err != nil || ec.Kind != "ExecCredential" {
		t.Fatalf("get-token output %q: %v", out, err)
	}
	return ec.Status.Token
}

func realTimeAuthenticator(t *testing.T) *Authenticator {
	a := testAuthenticator(t, nil)
	a.Now = nil
	return a
}

// TestAWSCLIGetToken checks tokens made by the installed AWS CLI: regional,
// global (legacy) and trustbridge's own endpoint, long-term and temporary
// credentials; and that a CLI token for another cluster is rejected.
func TestAWSCLIGetToken(t *testing.T) {
	tests := []struct {
		name     string
		cluster  string
		env      []string
		wantUser string
		reason   Reason
	}{
		{name: "regional endpoint", cluster: cluster, env: []string{"AWS_ACCESS_KEY_ID=" + userOneKey, "AWS_SECRET_ACCESS_KEY=" + userOneSecret}, wantUser: "UserOne"},
		{name: "global endpoint", cluster: cluster, env: []string{"AWS_ACCESS_KEY_ID=" + userTwoKey, "AWS_SECRET_ACCESS_KEY=" + userTwoSecret, "AWS_STS_REGIONAL_ENDPOINTS=legacy"}, wantUser: "UserTwo"},
		{name: "own endpoint", cluster: cluster, env: []string{"AWS_ACCESS_KEY_ID=" + userThreeKey, "AWS_SECRET_ACCESS_KEY=" + userThreeSec, "AWS_ENDPOINT_URL_STS=https://" + ownHost}, wantUser: "UserThree"},
		{name: "session credentials", cluster: cluster, env: []string{"AWS_ACCESS_KEY_ID=" + sessionKey, "AWS_SECRET_ACCESS_KEY=" + sessionSecret, "AWS_SESSION_TOKEN=" + sessionToken}, wantUser: "app:"},
		{name: "other cluster", cluster: "other-cluster", env: []string{"AWS_ACCESS_KEY_ID=" + userOneKey, "AWS_SECRET_ACCESS_KEY=" + userOneSecret}, reason: ReasonSignature},
		{name: "foreign endpoint", cluster: cluster, env: []string{"AWS_ACCESS_KEY_ID=" + userOneKey, "AWS_SECRET_ACCESS_KEY=" + userOneSecret, "AWS_ENDPOINT_URL_STS=https://sts.example.com"}, reason: ReasonHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := awsGetToken(t, tt.cluster, tt.env...)
			u, err := realTimeAuthenticator(t).Authenticate(context.Background(), cluster, tok)
			if tt.reason != "" {
				var te *TokenError
				if !errors.As(err, &te) || te.Reason != tt.reason {
					t.Fatalf("err = %v, want %s", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if !strings.HasPrefix(u.Username, tt.wantUser) {
				t.Errorf("username = %q, want %q", u.Username, tt.wantUser)
			}
		})
	}
}

// sdkGetToken makes a token the way Go programs do with the AWS SDK v2
// (aws-iam-authenticator's generator): PresignGetCallerIdentity with the
// x-k8s-aws-id header and X-Amz-Expires 60.
func sdkGetToken(t *testing.T, clusterName, akid, secret, session, endpoint string) string {
	t.Helper()
	cfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider(akid, secret, session)}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	req, err := sts.NewPresignClient(client).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(po *sts.PresignOptions) {
		po.ClientOptions = append(po.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue(ClusterIDHeader, clusterName),
				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL))
}

func TestGoSDKPresignedToken(t *testing.T) {
	for _, tt := range []struct {
		name, akid, secret, session, endpoint, wantUser string
	}{
		{"regional", userOneKey, userOneSecret, "", "", "UserOne"},
		{"own endpoint", userTwoKey, userTwoSecret, "", "https://" + ownHost, "UserTwo"},
		{"session", sessionKey, sessionSecret, sessionToken, "", "app:alice-example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := sdkGetToken(t, cluster, tt.akid, tt.secret, tt.session, tt.endpoint)
			u, err := realTimeAuthenticator(t).Authenticate(context.Background(), cluster, tok)
			if err != nil {
				raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, Prefix))
				t.Fatalf("Authenticate(%s): %v", strings.Split(string(raw), "?")[0], err)
			}
			if u.Username != tt.wantUser {
				t.Errorf("username = %q", u.Username)
			}
		})
	}
	tok := sdkGetToken(t, "other", userOneKey, userOneSecret, "", "")
	if _, err := realTimeAuthenticator(t).Authenticate(context.Background(), cluster, tok); err == nil {
		t.Error("SDK token for another cluster accepted")
	}
}

// ownGetToken makes a token the way trustbridge's own get-token does, with
// internal/sigv4's presigner.
func ownGetToken(t *testing.T, clusterName, host, region string, c sigv4.Credentials, now time.Time) string {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, "https://"+host+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set(ClusterIDHeader, clusterName)
	u, _, err := sigv4.Presign(r, c, region, "sts", 60*time.Second, now)
	if err != nil {
		t.Fatal(err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(u))
}

func TestTrustbridgePresignedToken(t *testing.T) {
	now := testNow.Add(-2 * time.Minute)
	tests := []struct {
		name, cluster, host, region string
		creds                       sigv4.Credentials
		wantUser                    string
		reason                      Reason
	}{
		{"own host", cluster, ownHost, "us-west-2", sigv4.Credentials{AccessKeyID: userOneKey, SecretAccessKey: userOneSecret}, "UserOne", ""},
		{"regional host", cluster, "sts.eu-west-1.amazonaws.com", "eu-west-1", sigv4.Credentials{AccessKeyID: userTwoKey, SecretAccessKey: userTwoSecret}, "UserTwo", ""},
		{"session", cluster, ownHost, "us-east-1", sigv4.Credentials{AccessKeyID: sessionKey, SecretAccessKey: sessionSecret, SessionToken: sessionToken}, "app:alice-example.com", ""},
		{"other cluster", "other", ownHost, "us-west-2", sigv4.Credentials{AccessKeyID: userOneKey, SecretAccessKey: userOneSecret}, "", ReasonSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := ownGetToken(t, tt.cluster, tt.host, tt.region, tt.creds, now)
			u, err := testAuthenticator(t, nil).Authenticate(context.Background(), cluster, tok)
			if tt.reason != "" {
				var te *TokenError
				if !errors.As(err, &te) || te.Reason != tt.reason {
					t.Fatalf("err = %v, want %s", err, tt.reason)
				}
				return
			}
			if err != nil || u.Username != tt.wantUser {
				t.Fatalf("user %+v, err %v", u, err)
			}
		})
	}
}
