package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/go-jose/go-jose/v4"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/serverkey"
)

// TestLogsKeepSecrets runs a realistic session through the real server —
// long-term keys, a new access key, temporary credentials from
// GetSessionToken and AssumeRole, a web identity token from a real OIDC
// issuer (discovery and JWKS over TLS) exchanged with
// AssumeRoleWithWebIdentity, explained denials, a bad signature, a forged
// web identity token — with debug logging, --explain-errors and the audit
// stream on, then scans every log and audit line (internal/logtest) for
// every secret the session used or received: secret access keys, session
// tokens, request signatures, the web identity tokens and their
// signatures, and the server key ring's key material.
func TestLogsKeepSecrets(t *testing.T) {
	logs := &logtest.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var scan logtest.Scanner

	// Server key material, from a key file the server loads.
	keyFile := filepath.Join(t.TempDir(), "server-key.json")
	ring, err := serverkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if err := ring.Save(keyFile); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var kf struct {
		Keys []struct{ Secret string } `json:"keys"`
	}
	if err := json.Unmarshal(raw, &kf); err != nil || len(kf.Keys) == 0 {
		t.Fatalf("key file: %v", err)
	}
	for i, k := range kf.Keys {
		scan.Add(fmt.Sprintf("server key %d", i), k.Secret)
	}

	is := newScanIssuer(t)
	s := apptest.Start(t, apptest.Options{ExplainErrors: true, Configure: func(c *app.Config) {
		c.Logger = logger
		c.ServerKeyFile = keyFile
		c.OIDC.RootCAs = is.pool
		c.OIDC.Logger = logger
	}})
	ctx := context.Background()
	account := s.World.Accounts[0].ID
	root := s.World.Accounts[0].Root
	userOne := s.Key(t, "UserOne")
	scan.Add("root secret", root.SecretAccessKey)
	scan.Add("UserOne secret", userOne.SecretAccessKey)
	creds := func(id, secret, token string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	stsc := func(p aws.CredentialsProvider) *sts.Client {
		return sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL), Credentials: p})
	}
	iamc := func(p aws.CredentialsProvider) *iam.Client {
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: p})
	}
	rootCreds := creds(root.AccessKeyID, root.SecretAccessKey, "")
	rootIAM := iamc(rootCreds)
	temporary := func(what string, c *ststypes.Credentials) aws.CredentialsProvider {
		scan.Add(what+" secret", aws.ToString(c.SecretAccessKey))
		scan.Add(what+" session token", aws.ToString(c.SessionToken))
		p := creds(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		if _, err := stsc(p).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return p
	}

	// A new user and key: the secret travels in a response.
	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("scanned")}); err != nil {
		t.Fatal(err)
	}
	ak, err := rootIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("scanned")})
	if err != nil {
		t.Fatal(err)
	}
	scan.Add("new key secret", aws.ToString(ak.AccessKey.SecretAccessKey))

	// Temporary credentials: GetSessionToken and AssumeRole.
	st, err := stsc(rootCreds).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	temporary("GetSessionToken", st.Credentials)
	trustAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:user/scanned"},"Action":"sts:AssumeRole"}]}`
	if _, err := rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("scan-role"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
		t.Fatal(err)
	}
	newUser := creds(aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey), "")
	ar, err := stsc(newUser).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/scan-role"), RoleSessionName: aws.String("scan")})
	if err != nil {
		t.Fatal(err)
	}
	assumed := temporary("AssumeRole", ar.Credentials)
	// The assumed role has no permissions: an explained denial.
	if _, err := iamc(assumed).ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Fatal("the assumed role listed users")
	}

	// A web identity token from a real issuer, twice (the second from the
	// verified-token cache).
	if _, err := rootIAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(is.url), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)},
	}); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(is.url, "https://")
	trustWeb := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account + `:oidc-provider/` + host + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:aud":"sts.amazonaws.com"}}}]}`
	if _, err := rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("scan-web"), AssumeRolePolicyDocument: aws.String(trustWeb)}); err != nil {
		t.Fatal(err)
	}
	anon := sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL), Credentials: aws.AnonymousCredentials{}})
	webToken := is.sign(t, map[string]any{
		"iss": is.url, "sub": "system:serviceaccount:default:scanned", "aud": []string{"sts.amazonaws.com"},
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	})
	scan.AddJWT("web identity token", webToken)
	for i := range 2 {
		out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String("arn:aws:iam::" + account + ":role/scan-web"), RoleSessionName: aws.String("scan"), WebIdentityToken: aws.String(webToken),
		})
		if err != nil {
			t.Fatal(err)
		}
		temporary(fmt.Sprintf("AssumeRoleWithWebIdentity %d", i+1), out.Credentials)
	}

	// Explained denials: the new user may do nothing; UserOne may not
	// assume the cross-account role.
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
		scan.Add("signature "+string(rune('A'+i)), sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	// A forged web identity token: well-formed, for a provider the world
	// has, with a signature no key verifies.
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"alg":"RS256","kid":"scan-kid","typ":"JWT"}`))
	claims := enc([]byte(`{"iss":"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE","sub":"system:serviceaccount:default:eks-ec2-list","aud":["sts.amazonaws.com"],"exp":` + itoa(time.Now().Add(time.Hour).Unix()) + `}`))
	forged := header + "." + claims + "." + enc(bytes.Repeat([]byte("S"), 256))
	scan.AddJWT("forged web identity token", forged)
	if _, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/eks-ec2-list-instances"), RoleSessionName: aws.String("scan"), WebIdentityToken: aws.String(forged),
	}); err == nil {
		t.Fatal("a forged web identity token was accepted")
	}

	// Let the audit stream flush.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && strings.Count(s.AuditLog(), "AssumeRoleWithWebIdentity") < 3 {
		time.Sleep(50 * time.Millisecond)
	}
	all := map[string]string{"server log": logs.String(), "audit log": s.AuditLog()}
	for _, want := range []struct{ where, text string }{
		{"server log", "GetCallerIdentity"}, {"server log", "AssumeRoleWithWebIdentity"}, {"server log", "CreateAccessKey"},
		{"audit log", "AccessDenied"}, {"audit log", "AssumeRoleWithWebIdentity"}, {"audit log", "scan-role"},
	} {
		if !strings.Contains(all[want.where], want.text) {
			t.Fatalf("the scan saw no %s in the %s:\nlog:\n%s\naudit:\n%s", want.text, want.where, all["server log"], all["audit log"])
		}
	}
	if scan.Len() < 20 {
		t.Fatalf("only %d secrets registered", scan.Len())
	}
	scan.Check(t, all)
	// And nothing shaped like a secret the test did not register.
	for where, text := range all {
		for _, f := range logtest.ScanPatterns(where, text) {
			t.Error(f)
		}
	}
}

// scanIssuer is a Kubernetes-like service-account issuer over TLS:
// discovery and a JWKS with one RSA key.
type scanIssuer struct {
	url  string
	pool *x509.CertPool
	key  *rsa.PrivateKey
}

func newScanIssuer(t *testing.T) *scanIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &scanIssuer{key: key}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "scan", Algorithm: "RS256", Use: "sig"}}})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{"issuer": is.url, "jwks_uri": is.url + "/openid/v1/jwks",
				"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
				"id_token_signing_alg_values_supported": []string{"RS256"}})
		case "/openid/v1/jwks":
			w.Write(jwks)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	is.url = srv.URL
	is.pool = x509.NewCertPool()
	is.pool.AddCert(srv.Certificate())
	return is
}

// sign returns a compact RS256 JWS of claims.
func (is *scanIssuer) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: is.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "scan"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
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
