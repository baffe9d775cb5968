package sts_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

// The hostile-token suite of issue 5, through the whole server: each
// token or issuer misbehaviour goes to AssumeRoleWithWebIdentity as an
// unsigned Query request, and the answer must be AWS's error code with a
// 4xx status, never a 5xx, a hang or a crash. internal/oidc tests the same
// cases (and many more) against the verifier alone; this suite proves the
// STS handler maps them to AWS's codes and keeps serving.

const hostileAccount = "123456789012"

// hostileIssuers is one TLS server publishing several issuers under path
// prefixes, each misbehaving in its own way:
//
//	/good      discovery and JWKS as an apiserver serves them
//	/dupkids   a JWKS listing two different keys under one kid
//	/redirect  discovery redirects to another host (localhost)
//	/slow      discovery never answers (bounded by FetchTimeout)
//	/big       discovery is 10 MB
type hostileIssuers struct {
	srv      *httptest.Server
	base     string // https://127.0.0.1:PORT
	key      *rsa.PrivateKey
	attacker *rsa.PrivateKey
}

var (
	hostileKeysOnce    sync.Once
	hostileKey, evilKy *rsa.PrivateKey
)

func newHostileIssuers(t *testing.T) *hostileIssuers {
	t.Helper()
	hostileKeysOnce.Do(func() {
		var err error
		if hostileKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if evilKy, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	h := &hostileIssuers{key: hostileKey, attacker: evilKy}
	jwks := func(keys ...jose.JSONWebKey) []byte {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := jwks(jose.JSONWebKey{Key: h.key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"})
	dup := jwks(
		jose.JSONWebKey{Key: h.key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: h.attacker.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"},
	)
	mux := http.NewServeMux()
	discovery := func(w http.ResponseWriter, iss string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q,"response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`, iss, iss+"/keys")
	}
	mux.HandleFunc("/good/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { discovery(w, h.base+"/good") })
	mux.HandleFunc("/good/keys", func(w http.ResponseWriter, r *http.Request) { w.Write(good) })
	mux.HandleFunc("/dupkids/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { discovery(w, h.base+"/dupkids") })
	mux.HandleFunc("/dupkids/keys", func(w http.ResponseWriter, r *http.Request) { w.Write(dup) })
	mux.HandleFunc("/redirect/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(r.Host)
		http.Redirect(w, r, "https://localhost:"+port+"/good/.well-known/openid-configuration", http.StatusFound)
	})
	mux.HandleFunc("/slow/", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
	})
	mux.HandleFunc("/big/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for n := 0; n < 10<<20; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	h.srv = httptest.NewTLSServer(mux)
	t.Cleanup(h.srv.Close)
	h.base = h.srv.URL
	return h
}

// caPEM is the TLS server's certificate, trusted through the world file's
// per-provider ca.
func (h *hostileIssuers) caPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw}))
}

func (h *hostileIssuers) issuer(name string) string { return h.base + "/" + name }

// providerARN is the IAM OIDC provider ARN of an issuer.
func (h *hostileIssuers) providerARN(name string) string {
	return "arn:aws:iam::" + hostileAccount + ":oidc-provider/" + strings.TrimPrefix(h.issuer(name), "https://")
}

// world registers every issuer as an IAM OIDC provider and one role that
// trusts the good issuer with seed 002's conditions and every other one
// without conditions (so only token verification can refuse them).
func (h *hostileIssuers) world() []byte {
	names := []string{"good", "dupkids", "redirect", "slow", "big"}
	var b strings.Builder
	b.WriteString("region: us-west-2\naccounts:\n  - id: \"" + hostileAccount + "\"\n    oidcProviders:\n")
	ca := strings.ReplaceAll(strings.TrimSpace(h.caPEM()), "\n", "\n          ")
	for _, n := range names {
		fmt.Fprintf(&b, "      - url: %s\n        clientIDs: [sts.amazonaws.com]\n        ca: |\n          %s\n", h.issuer(n), ca)
	}
	b.WriteString("    roles:\n      - name: WebRole\n        trustPolicy:\n          Version: \"2012-10-17\"\n          Statement:\n")
	host := strings.TrimPrefix(h.issuer("good"), "https://")
	fmt.Fprintf(&b, "            - Effect: Allow\n              Principal: {Federated: %q}\n              Action: sts:AssumeRoleWithWebIdentity\n              Condition: {StringEquals: {%q: sts.amazonaws.com, %q: \"system:serviceaccount:default:app\"}}\n",
		h.providerARN("good"), host+":aud", host+":sub")
	for _, n := range names[1:] {
		fmt.Fprintf(&b, "            - Effect: Allow\n              Principal: {Federated: %q}\n              Action: sts:AssumeRoleWithWebIdentity\n", h.providerARN(n))
	}
	return []byte(b.String())
}

// claims returns a valid claim set for issuer name.
func (h *hostileIssuers) claims(name string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": h.issuer(name),
		"aud": []string{"sts.amazonaws.com"},
		"sub": "system:serviceaccount:default:app",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func b64json(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// signRS256 signs claims with key under kid.
func signRS256(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stsError is the Query protocol's error document.
type stsError struct {
	Error struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
}

// assumeWithToken posts an unsigned AssumeRoleWithWebIdentity and returns
// the HTTP status and the body.
func assumeWithToken(t *testing.T, client *http.Client, endpoint, role, token string) (int, string) {
	t.Helper()
	form := url.Values{
		"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {role}, "RoleSessionName": {"hostile"}, "WebIdentityToken": {token},
	}
	resp, err := client.PostForm(endpoint, form)
	if err != nil {
		t.Fatalf("POST AssumeRoleWithWebIdentity: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestHostileWebIdentityTokens(t *testing.T) {
	h := newHostileIssuers(t)
	s := apptest.Start(t, apptest.Options{World: h.world(), Configure: func(c *app.Config) {
		// The slow issuer must time out quickly; the default is 5 s.
		c.OIDC.FetchTimeout = 500 * time.Millisecond
	}})
	role := "arn:aws:iam::" + hostileAccount + ":role/WebRole"
	client := &http.Client{Timeout: 30 * time.Second}

	good := h.claims("good")
	goodPayload := b64json(t, good)
	pubDER, err := x509.MarshalPKIXPublicKey(h.key.Public())
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs256 := func(key []byte) string {
		in := b64json(t, map[string]any{"alg": "HS256", "kid": "k1", "typ": "JWT"}) + "." + goodPayload
		m := hmac.New(sha256.New, key)
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	with := func(name string, mod func(map[string]any)) map[string]any {
		c := h.claims(name)
		mod(c)
		return c
	}
	padded := with("good", func(m map[string]any) { m["pad"] = strings.Repeat("x", 20000) })

	const (
		invalid  = "InvalidIdentityToken"
		idp      = "IDPCommunicationError"
		validErr = "ValidationError"
		expired  = "ExpiredTokenException"
	)
	tests := []struct {
		name, token, code, msg string
	}{
		{"alg none", b64json(t, map[string]any{"alg": "none"}) + "." + goodPayload + ".", invalid, ""},
		{"alg none with a kid", b64json(t, map[string]any{"alg": "none", "kid": "k1"}) + "." + goodPayload + ".c2ln", invalid, ""},
		{"HS256 keyed with the RSA public key (PEM)", hs256(pubPEM), invalid, ""},
		{"HS256 keyed with the RSA public key (DER)", hs256(pubDER), invalid, ""},
		{"kid pointing nowhere", signRS256(t, h.key, "nowhere", good), invalid, ""},
		{"kid path traversal", signRS256(t, h.key, "../../../../etc/passwd", good), invalid, ""},
		{"kid SQL injection", signRS256(t, h.key, "k1' OR '1'='1", good), invalid, ""},
		{"kid with CRLF and NUL", signRS256(t, h.key, "k1\r\n\x00X-Injected: 1", good), invalid, ""},
		{"kid is a URL", signRS256(t, h.key, "https://attacker.example/keys", good), invalid, ""},
		{"kid of 8 KB", signRS256(t, h.key, strings.Repeat("k", 8<<10), good), invalid, ""},
		{"signed by another key under the real kid", signRS256(t, h.attacker, "k1", good), invalid, ""},
		{"oversized token (20,001 characters)", "eyJ" + strings.Repeat("A", 19998), validErr,
			"1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000"},
		{"oversized validly signed token", signRS256(t, h.key, "k1", padded), validErr, ""},
		{"wrong issuer scheme (http)", signRS256(t, h.key, "k1", with("good", func(m map[string]any) { m["iss"] = "http" + strings.TrimPrefix(h.issuer("good"), "https") })), invalid, ""},
		{"issuer with no provider", signRS256(t, h.key, "k1", with("good", func(m map[string]any) { m["iss"] = h.base + "/nobody" })), invalid,
			"No OpenIDConnect provider found in your account for " + h.base + "/nobody"},
		{"expired", signRS256(t, h.key, "k1", with("good", func(m map[string]any) {
			m["iat"], m["nbf"], m["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		})), expired, "Token expired: current date/time "},
		{"wrong audience", signRS256(t, h.key, "k1", with("good", func(m map[string]any) { m["aud"] = "pods.eks.amazonaws.com" })), invalid, "Incorrect token audience"},
		{"JWKS with duplicate kids", signRS256(t, h.key, "k1", h.claims("dupkids")), invalid, ""},
		{"discovery redirects to another host", signRS256(t, h.key, "k1", h.claims("redirect")), invalid, ""},
		{"discovery answers slowly", signRS256(t, h.key, "k1", h.claims("slow")), idp, ""},
		{"discovery of 10 MB", signRS256(t, h.key, "k1", h.claims("big")), idp, ""},
		{"not a JWT", "this is an opaque access token", invalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := assumeWithToken(t, client, s.URL, role, tc.token)
			if status < 400 || status >= 500 {
				t.Fatalf("status %d, want 4xx; body %.300s", status, body)
			}
			var e stsError
			if err := xml.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("error body is not STS XML: %v: %.300s", err, body)
			}
			if e.Error.Code != tc.code {
				t.Errorf("code = %q (%q), want %q", e.Error.Code, e.Error.Message, tc.code)
			}
			if tc.msg != "" && !strings.HasPrefix(e.Error.Message, tc.msg) {
				t.Errorf("message = %q, want prefix %q", e.Error.Message, tc.msg)
			}
			if e.RequestID == "" {
				t.Error("no RequestId")
			}
			// Nothing of the token comes back (the kid's injection
			// strings are not the token's secret parts; its payload and
			// signature are).
			for _, seg := range strings.Split(tc.token, ".")[1:] {
				if len(seg) >= 16 && strings.Contains(body, seg) {
					t.Fatalf("the error body holds a segment of the token: %.300s", body)
				}
			}
		})
	}

	// The server still works after all of it.
	t.Run("control: a valid token", func(t *testing.T) {
		status, body := assumeWithToken(t, client, s.URL, role, signRS256(t, h.key, "k1", good))
		if status != http.StatusOK || !strings.Contains(body, "<AssumeRoleWithWebIdentityResult>") {
			t.Fatalf("status %d: %.500s", status, body)
		}
		for _, want := range []string{
			"<SubjectFromWebIdentityToken>system:serviceaccount:default:app</SubjectFromWebIdentityToken>",
			"<Audience>sts.amazonaws.com</Audience>",
			"<Provider>" + h.providerARN("good") + "</Provider>",
			"assumed-role/WebRole/hostile",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("answer lacks %s", want)
			}
		}
	})
}
