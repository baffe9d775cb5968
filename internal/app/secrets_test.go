package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogsKeepSecrets runs a realistic session through the real server —
// long-term keys, a new access key, temporary credentials, explained
// denials, a bad signature, a hostile web identity token — with debug
// logging, --explain-errors and the audit stream on, then scans every log
// and audit line for every secret the session used or received: secret
// access keys, session tokens, request signatures, the web identity token
// and its signature.
func TestLogsKeepSecrets(t *testing.T) {
	logs := &lockedBuffer{}
	s := apptest.Start(t, apptest.Options{ExplainErrors: true, Configure: func(c *app.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}})
	ctx := context.Background()
	root := s.World.Accounts[0].Root
	userOne := s.Key(t, "UserOne")
	secrets := map[string]string{
		"root secret":    root.SecretAccessKey,
		"UserOne secret": userOne.SecretAccessKey,
	}
	creds := func(id, secret, token string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	stsc := func(p aws.CredentialsProvider) *sts.Client {
		return sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL), Credentials: p})
	}
	iamc := func(p aws.CredentialsProvider) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: p})
	}
	rootIAM := iamc(creds(root.AccessKeyID, root.SecretAccessKey, ""))

	// A new user and key: the secret travels in a response.
	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("scanned")}); err != nil {
		t.Fatal(err)
	}
	ak, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("scanned")})
	if err != nil {
		t.Fatal(err)
	}
	secrets["new key secret"] = aws.ToString(ak.AccessKey.SecretAccessKey)

	// Temporary credentials.
	st, err := stsc(creds(root.AccessKeyID, root.SecretAccessKey, "")).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	secrets["session secret"] = aws.ToString(st.Credentials.SecretAccessKey)
	secrets["session token"] = aws.ToString(st.Credentials.SessionToken)
	session := creds(aws.ToString(st.Credentials.AccessKeyId), aws.ToString(st.Credentials.SecretAccessKey), aws.ToString(st.Credentials.SessionToken))
	if _, err := stsc(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}

	// Explained denials: the new user may do nothing; UserOne may not
	// assume the cross-account role.
	newUser := creds(aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey), "")
	if _, err := iamc(newUser).ListRoles(ctx, &iam.ListRolesInput{}); err == nil {
		t.Fatal("the new user listed roles")
	}
	if _, err := stsc(creds(userOne.AccessKeyID, userOne.SecretAccessKey, "")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::012345678901:role/remote-account-access"), RoleSessionName: aws.String("scan"),
	}); err == nil {
		t.Fatal("UserOne assumed the remote role")
	}

	// Signed requests whose signatures are known: one good, one with a
	// wrong secret (SignatureDoesNotMatch logs the string to sign, never the
	// signature).
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	sum := sha256.Sum256([]byte(body))
	for i, secret := range []string{userOne.SecretAccessKey, "not-the-secret-not-the-secret-not-the-s"} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: userOne.AccessKeyID, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), "sts", "us-west-2", time.Now()); err != nil {
			t.Fatal(err)
		}
		_, sig, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
		secrets["signature "+string(rune('A'+i))] = sig
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// A web identity token (well-formed, for a provider the world has, with
	// a signature no key verifies).
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"alg":"RS256","kid":"scan-kid","typ":"JWT"}`))
	claims := enc([]byte(`{"iss":"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE","sub":"system:serviceaccount:default:eks-ec2-list","aud":["sts.amazonaws.com"],"exp":` + itoa(time.Now().Add(time.Hour).Unix()) + `}`))
	sig := enc(bytes.Repeat([]byte("S"), 256))
	jwt := header + "." + claims + "." + sig
	secrets["web identity token"] = jwt
	secrets["web identity token signature"] = sig
	if _, err := sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL), Credentials: aws.AnonymousCredentials{}}).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/eks-ec2-list-instances"), RoleSessionName: aws.String("scan"), WebIdentityToken: aws.String(jwt),
	}); err == nil {
		t.Fatal("a forged web identity token was accepted")
	}

	// Let the audit stream flush.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(s.AuditLog(), "AssumeRoleWithWebIdentity") {
		time.Sleep(50 * time.Millisecond)
	}
	all := map[string]string{"server log": logs.String(), "audit log": s.AuditLog()}
	if !strings.Contains(all["server log"], "GetCallerIdentity") || !strings.Contains(all["audit log"], "AccessDenied") {
		t.Fatalf("the scan saw no traffic:\nlog:\n%s\naudit:\n%s", all["server log"], all["audit log"])
	}
	for where, text := range all {
		for what, secret := range secrets {
			if len(secret) < 16 {
				t.Fatalf("%s is too short to scan for", what)
			}
			if strings.Contains(text, secret) {
				t.Errorf("the %s contains the %s", where, what)
			}
			// Also no long fragment (a token cut to fit a line).
			if len(secret) > 64 && strings.Contains(text, secret[len(secret)/2:len(secret)/2+32]) {
				t.Errorf("the %s contains a fragment of the %s", where, what)
			}
		}
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
