package testbed_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// TestClusterSmoke proves the test bed is the real thing: kubectl works
// against it, TokenRequest issues IRSA-shaped tokens whose issuer is the
// apiserver's own URL, discovery and JWKS are served anonymously over HTTPS
// verified by CAFile and the JWKS verifies the token, RBAC is enforced, and
// Close releases the port and the scratch directory.
func TestClusterSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	start := time.Now()
	c := testbed.Start(t, testbed.Options{})
	t.Logf("kube-apiserver ready in %s at %s", time.Since(start).Round(time.Millisecond), c.URL)
	ctx := t.Context()

	if c.IssuerURL != c.URL || !strings.HasPrefix(c.URL, "https://127.0.0.1:") {
		t.Fatalf("IssuerURL %q, URL %q: want both https://127.0.0.1:PORT", c.IssuerURL, c.URL)
	}

	out, err := c.Kubectl(t, "get", "ns", "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"namespace/default", "namespace/kube-system"} {
		if !slices.Contains(strings.Fields(out), ns) {
			t.Errorf("kubectl get ns: %q missing from %q", ns, out)
		}
	}

	const roleARN = "arn:aws:iam::111122223333:role/app"
	sa, err := c.EnsureServiceAccount(ctx, "irsa", "app", map[string]string{"eks.amazonaws.com/role-arn": roleARN})
	if err != nil {
		t.Fatal(err)
	}
	if got := sa.Annotations["eks.amazonaws.com/role-arn"]; got != roleARN {
		t.Errorf("service account annotation = %q, want %q", got, roleARN)
	}
	out, err = c.Kubectl(t, "get", "serviceaccount", "app", "-n", "irsa", "-o", "jsonpath={.metadata.annotations.eks\\.amazonaws\\.com/role-arn}")
	if err != nil || out != roleARN {
		t.Errorf("kubectl get serviceaccount: %q, %v; want %q", out, err, roleARN)
	}

	token, err := c.CreateToken(ctx, "irsa", "app", []string{"sts.amazonaws.com"}, 3600)
	if err != nil {
		t.Fatal(err)
	}
	header, claims, signed, sig := splitJWT(t, token)
	if claims.Issuer != c.IssuerURL {
		t.Errorf("iss = %q, want %q", claims.Issuer, c.IssuerURL)
	}
	if want := "system:serviceaccount:irsa:app"; claims.Subject != want {
		t.Errorf("sub = %q, want %q", claims.Subject, want)
	}
	if !slices.Equal(claims.Audience, []string{"sts.amazonaws.com"}) {
		t.Errorf("aud = %q, want [sts.amazonaws.com]", claims.Audience)
	}
	if got := claims.Expiry - claims.IssuedAt; got != 3600 {
		t.Errorf("exp - iat = %d, want 3600", got)
	}
	if claims.Kubernetes.Namespace != "irsa" || claims.Kubernetes.ServiceAccount.Name != "app" || claims.Kubernetes.ServiceAccount.UID != string(sa.UID) {
		t.Errorf("kubernetes.io claim = %+v, want namespace irsa, service account app uid %s", claims.Kubernetes, sa.UID)
	}
	if header.Alg != "RS256" || header.Kid == "" {
		t.Errorf("JWT header = %+v, want alg RS256 and a kid", header)
	}

	// A relying party (AWS STS) fetches discovery and keys anonymously.
	anon := httpsClient(t, c.CAFile)
	var disc struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, anon, c.IssuerURL+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != c.IssuerURL || disc.JWKSURI != c.IssuerURL+"/openid/v1/jwks" || !slices.Contains(disc.Algs, "RS256") {
		t.Errorf("discovery = %+v, want issuer %s, jwks_uri %s/openid/v1/jwks, RS256", disc, c.IssuerURL, c.IssuerURL)
	}
	var jwks struct {
		Keys []struct {
			Kid, Kty, Alg, Use, N, E string
		} `json:"keys"`
	}
	getJSON(t, anon, disc.JWKSURI, &jwks)
	verified := false
	for _, k := range jwks.Keys {
		if k.Kid != header.Kid {
			continue
		}
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Errorf("JWK %s = kty %s alg %s use %s, want RSA RS256 sig", k.Kid, k.Kty, k.Alg, k.Use)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(b64(t, k.N)), E: int(new(big.Int).SetBytes(b64(t, k.E)).Int64())}
		digest := sha256.Sum256([]byte(signed))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			t.Errorf("token signature does not verify with JWK %s: %v", k.Kid, err)
		}
		verified = true
	}
	if !verified {
		t.Errorf("no JWK with kid %q in %d keys", header.Kid, len(jwks.Keys))
	}

	// RBAC is enforced: anonymous may read discovery but not the API.
	resp, err := anon.Get(c.URL + "/api/v1/namespaces")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous GET /api/v1/namespaces: status %d, want 403", resp.StatusCode)
	}

	// Close releases the port and the scratch directory.
	port := strings.TrimPrefix(c.URL, "https://127.0.0.1:")
	dir := c.Dir
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Errorf("apiserver port %s still in use after Close: %v", port, err)
	} else {
		ln.Close()
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("scratch directory %s still exists after Close (stat: %v)", dir, err)
	}
}

// TestWebhooks proves that webhook token authentication and webhook
// authorization configured at start are consulted, wired exactly as
// trustbridge's cluster-access webhooks will be.
func TestWebhooks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	const (
		goodToken = "tb-test-token-0123456789"
		user      = "alice@example.com"
		group     = "trustbridge:developers"
	)
	authn := testbed.NewTokenReviewWebhook(t, map[string]authenticationv1.UserInfo{
		goodToken: {Username: user, UID: "u-1", Groups: []string{group}},
	})
	authz := testbed.NewSubjectAccessReviewWebhook(t, func(spec authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus {
		ra := spec.ResourceAttributes
		switch {
		case spec.User != user || ra == nil:
			return authorizationv1.SubjectAccessReviewStatus{} // no opinion
		case ra.Resource == "namespaces" && (ra.Verb == "list" || ra.Verb == "get"):
			return authorizationv1.SubjectAccessReviewStatus{Allowed: true, Reason: "test policy allows namespaces"}
		case ra.Resource == "secrets":
			return authorizationv1.SubjectAccessReviewStatus{Denied: true, Reason: "test policy denies secrets"}
		}
		return authorizationv1.SubjectAccessReviewStatus{}
	})
	c := testbed.Start(t, testbed.Options{
		AuthenticationWebhook: authn.Webhook(),
		AuthorizationWebhook:  authz.Webhook(),
	})

	// kubectl --token, with a kubeconfig that carries no credentials.
	out, err := c.KubectlWithKubeconfig(t, c.AnonymousKubeconfig, "--token="+goodToken, "auth", "whoami", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var review authenticationv1.SelfSubjectReview
	if err := json.Unmarshal([]byte(out), &review); err != nil {
		t.Fatalf("decode auth whoami output: %v\n%s", err, out)
	}
	got := review.Status.UserInfo
	if got.Username != user || got.UID != "u-1" || !slices.Contains(got.Groups, group) || !slices.Contains(got.Groups, "system:authenticated") {
		t.Errorf("auth whoami = %+v, want user %s uid u-1 in groups %s and system:authenticated", got, user, group)
	}
	if authn.Calls() == 0 {
		t.Error("authentication webhook was never called")
	}

	// RBAC grants alice nothing, so this is the authorization webhook.
	if out, err := c.KubectlAs(t, goodToken, "get", "ns", "-o", "name"); err != nil || !strings.Contains(out, "namespace/default") {
		t.Errorf("get ns as %s: %q, %v; want namespace/default", user, out, err)
	}
	_, err = c.KubectlAs(t, goodToken, "get", "secrets", "-n", "default")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") || !strings.Contains(err.Error(), "test policy denies secrets") {
		t.Errorf("get secrets as %s: %v; want Forbidden with the webhook's reason", user, err)
	}
	if authz.Calls() == 0 {
		t.Error("authorization webhook was never called")
	}

	_, err = c.KubectlAs(t, "not-a-known-token", "get", "ns")
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") && !strings.Contains(err.Error(), "must be logged in") {
		t.Errorf("get ns with an unknown token: %v; want Unauthorized", err)
	}
	if err != nil && strings.Contains(err.Error(), "not-a-known-token") {
		t.Errorf("kubectl error leaks the token: %v", err)
	}
}

// TestStartClusterRejectsBadFlag proves a start failure is reported with
// the reason and leaves no scratch directory behind.
func TestStartClusterRejectsBadFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("starts etcd")
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "testbed-*"))
	c, err := testbed.StartCluster(t.Context(), testbed.Options{ExtraAPIServerFlags: []string{"--no-such-flag=1"}})
	if err == nil {
		c.Close()
		t.Fatal("StartCluster with an unknown flag: want an error")
	}
	if first, _, _ := strings.Cut(err.Error(), "\n"); !strings.Contains(first, "no-such-flag") {
		t.Errorf("error %q does not name the bad flag", first)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "testbed-*"))
	if len(after) > len(before) {
		t.Errorf("scratch directories left behind: before %v, after %v", before, after)
	}
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

type jwtClaims struct {
	Issuer     string   `json:"iss"`
	Subject    string   `json:"sub"`
	Audience   []string `json:"aud"`
	Expiry     int64    `json:"exp"`
	IssuedAt   int64    `json:"iat"`
	Kubernetes struct {
		Namespace      string `json:"namespace"`
		ServiceAccount struct {
			Name string `json:"name"`
			UID  string `json:"uid"`
		} `json:"serviceaccount"`
	} `json:"kubernetes.io"`
}

// splitJWT decodes a compact JWS without verifying it and returns the
// signing input and signature for the caller to verify.
func splitJWT(t *testing.T, token string) (jwtHeader, jwtClaims, string, []byte) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	var h jwtHeader
	var c jwtClaims
	if err := json.Unmarshal(b64(t, parts[0]), &h); err != nil {
		t.Fatalf("decode JWT header: %v", err)
	}
	if err := json.Unmarshal(b64(t, parts[1]), &c); err != nil {
		t.Fatalf("decode JWT claims: %v", err)
	}
	return h, c, parts[0] + "." + parts[1], b64(t, parts[2])
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64url: %v", err)
	}
	return b
}

// httpsClient returns an anonymous client trusting only the PEM CA in caFile.
func httpsClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func getJSON(t *testing.T, client *http.Client, url string, v any) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
}
