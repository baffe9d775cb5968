package eksauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	acct    = "111122223333"
	other   = "444455556666"
	region1 = "us-west-2"
)

// fixedNow is the clock of the unit tests.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Signing keys are generated once per test binary.
var (
	keysOnce   sync.Once
	rsaKey     *rsa.PrivateKey
	ecKey      *ecdsa.PrivateKey
	rogueKey   *rsa.PrivateKey
	keysErrMsg string
)

func keys(t testing.TB) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err == nil {
			if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err == nil {
				rogueKey, err = rsa.GenerateKey(rand.Reader, 2048)
			}
		}
		if err != nil {
			keysErrMsg = err.Error()
		}
	})
	if keysErrMsg != "" {
		t.Fatal(keysErrMsg)
	}
}

// issuer is a Kubernetes-like service account issuer over TLS: discovery
// and a JWKS with an RSA ("rsa") and a P-256 ("ec") key.
type issuer struct {
	srv *httptest.Server
	url string
	ca  string // PEM of the server's self-signed certificate
}

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	keys(t)
	is := &issuer{}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: rsaKey.Public(), KeyID: "rsa", Algorithm: "RS256", Use: "sig"},
		{Key: ecKey.Public(), KeyID: "ec", Algorithm: "ES256", Use: "sig"},
	}})
	is.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{"issuer": is.url, "jwks_uri": is.url + "/openid/v1/jwks",
				"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
				"id_token_signing_alg_values_supported": []string{"RS256", "ES256"}})
		case "/openid/v1/jwks":
			w.Write(jwks)
		default:
			http.NotFound(w, r)
		}
	}))
	is.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	is.srv.StartTLS()
	t.Cleanup(is.srv.Close)
	is.url = is.srv.URL
	is.ca = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.srv.Certificate().Raw}))
	return is
}

// claims are a projected Pod Identity token's claims.
type claims map[string]any

// podClaims returns the claims Kubernetes puts in a pod's projected token
// for audience pods.eks.amazonaws.com, issued at now.
func (is *issuer) podClaims(now time.Time, ns, sa, pod string) claims {
	return claims{
		"iss": is.url, "sub": "system:serviceaccount:" + ns + ":" + sa, "aud": []string{Audience},
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix(),
		"kubernetes.io": map[string]any{
			"namespace":      ns,
			"serviceaccount": map[string]any{"name": sa, "uid": "sa-uid-" + sa},
			"pod":            map[string]any{"name": pod, "uid": "pod-uid-" + pod},
			"node":           map[string]any{"name": "node-1", "uid": "node-uid-1"},
		},
	}
}

// sign signs c with the RSA key (or the key of kid "ec"/"rogue").
func sign(t testing.TB, c claims, kid string) string {
	t.Helper()
	keys(t)
	var key crypto.Signer = rsaKey
	alg := jose.RS256
	switch kid {
	case "ec":
		key, alg = ecKey, jose.ES256
	case "rogue":
		key, kid = rogueKey, "rsa"
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(c)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stubAuth authenticates every request as the caller named by the
// X-Test-Caller header (default "node").
type stubAuth struct{ callers map[string]*auth.Caller }

func (a *stubAuth) Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error) {
	if service != SigningName {
		return ctx, fmt.Errorf("authenticated for %q", service)
	}
	name := r.Header.Get("X-Test-Caller")
	if name == "" {
		name = "node"
	}
	c, ok := a.callers[name]
	if !ok {
		return ctx, fmt.Errorf("no test caller %q", name)
	}
	cc := *c
	return auth.WithCaller(ctx, &cc), nil
}

// env is an EKS Auth service over a real in-memory SQLite store with a
// real issuer. Associations of cluster "demo" (namespace/serviceaccount):
//
//	team-a/app, team-b/app  pod-role (trusts the service; s3:GetObject for namespace team-a only)
//	notags/app              assume-only-role, disableSessionTags
//	tags/app                assume-only-role (trust lacks sts:TagSession)
//	bad/app                 no-trust-role (trusts ec2.amazonaws.com)
//	ghost/app               a role that does not exist
//	cross/app               chain-src, target role "target" in account other
//	cross-denied/app        pod-role (may not assume the target), target "target"
//	cross-wrong-id/app      chain-src, target "target-other-id" (expects another external ID)
type env struct {
	t     testing.TB
	st    store.Store
	cache *storecache.Cache
	ring  *serverkey.Ring
	audit *audit.Log
	// stream receives the audit stream.
	stream *logtest.Buffer
	is     *issuer
	svc    *Service
	now    func() time.Time

	mu  sync.Mutex
	seq int
}

func newEnv(t testing.TB, now func() time.Time) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory, sqlite.Options{})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	ring, err := serverkey.Generate()
	must(t, err)
	e := &env{t: t, st: st, ring: ring, is: newIssuer(t), now: now}
	e.cache = storecache.New(st, storecache.Options{Now: now, OpenSecret: func(id string, sealed []byte) (string, error) {
		b, err := ring.OpenSecret(sealed, []byte(id))
		return string(b), err
	}})
	e.stream = &logtest.Buffer{}
	e.audit = audit.New(e.stream, st, 0, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { e.audit.Close() })
	for _, a := range []string{acct, other} {
		must(t, st.CreateAccount(ctx, store.Account{ID: a, CreateDate: fixedNow}))
	}
	role := func(account, name, trust, inline string) {
		must(t, st.CreateRole(ctx, store.Role{Account: account, Name: name, Path: "/", RoleID: roleID(name),
			CreateDate: fixedNow, TrustPolicy: trust}))
		if inline != "" {
			must(t, st.PutInlinePolicy(ctx, store.InlinePolicy{Owner: store.Principal{Kind: store.KindRole, Account: account, Name: name}, Name: "p", Document: inline}))
		}
	}
	podsTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	role(acct, "pod-role", podsTrust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*",
		"Condition":{"StringEquals":{"aws:PrincipalTag/kubernetes-namespace":"team-a"}}}]}`)
	role(acct, "assume-only-role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, "")
	role(acct, "no-trust-role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, "")
	role(acct, "chain-src", podsTrust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::`+other+`:role/*"}]}`)
	targetTrust := func(id string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:role/chain-src"},"Action":["sts:AssumeRole","sts:TagSession"],
			"Condition":{"StringEquals":{"sts:ExternalId":"` + id + `"}}}]}`
	}
	role(other, "target", targetTrust("a-cross"), "")
	role(other, "target-other-id", targetTrust("a-something-else"), "")
	role(acct, "node-role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"arn:aws:eks:*:`+acct+`:cluster/*"}]}`)
	ref := store.ClusterRef{Account: acct, Region: region1, Name: "demo"}
	must(t, st.CreateCluster(ctx, store.Cluster{ClusterRef: ref, ARN: "arn:aws:eks:us-west-2:" + acct + ":cluster/demo", CreateDate: fixedNow,
		OIDCIssuer: e.is.url, OIDCIssuerCABundle: e.is.ca, AuthenticationMode: store.AuthModeAPIAndConfigMap, Status: "ACTIVE", Version: "1.32"}))
	must(t, st.CreateCluster(ctx, store.Cluster{ClusterRef: store.ClusterRef{Account: acct, Region: region1, Name: "no-issuer"},
		ARN: "arn:aws:eks:us-west-2:" + acct + ":cluster/no-issuer", CreateDate: fixedNow, AuthenticationMode: store.AuthModeAPI, Status: "ACTIVE"}))
	must(t, st.CreateCluster(ctx, store.Cluster{ClusterRef: store.ClusterRef{Account: acct, Region: region1, Name: "down"},
		ARN: "arn:aws:eks:us-west-2:" + acct + ":cluster/down", CreateDate: fixedNow, OIDCIssuer: "https://127.0.0.1:1", AuthenticationMode: store.AuthModeAPI, Status: "ACTIVE"}))
	assoc := func(ns, role, target string, noTags bool) {
		id := "a-" + ns
		must(t, st.CreatePodIdentityAssociation(ctx, store.PodIdentityAssociation{Cluster: ref, AssociationID: id, Namespace: ns, ServiceAccount: "app",
			RoleARN: role, TargetRoleARN: target, DisableSessionTags: noTags,
			AssociationARN: "arn:aws:eks:us-west-2:" + acct + ":podidentityassociation/demo/" + id, CreatedAt: fixedNow, ModifiedAt: fixedNow}))
	}
	r := func(a, n string) string { return "arn:aws:iam::" + a + ":role/" + n }
	assoc("team-a", r(acct, "pod-role"), "", false)
	assoc("team-b", r(acct, "pod-role"), "", false)
	assoc("notags", r(acct, "assume-only-role"), "", true)
	assoc("tags", r(acct, "assume-only-role"), "", false)
	assoc("bad", r(acct, "no-trust-role"), "", false)
	assoc("ghost", r(acct, "ghost"), "", false)
	assoc("cross", r(acct, "chain-src"), r(other, "target"), false)
	assoc("cross-denied", r(acct, "pod-role"), r(other, "target"), false)
	assoc("cross-wrong-id", r(acct, "chain-src"), r(other, "target-other-id"), false)

	callers := map[string]*auth.Caller{
		"node": {Principal: policy.Principal{Type: policy.RoleSession, ARN: "arn:aws:sts::" + acct + ":assumed-role/node-role/i-0123", Account: acct,
			RoleARN: "arn:aws:iam::" + acct + ":role/node-role", UserID: "AROANODEROLEXXXXXXXXX:i-0123"},
			RoleName: "node-role", RolePath: "/", RoleID: "AROANODEROLEXXXXXXXXX", SessionName: "i-0123", Temporary: true, SessionType: "AssumeRole",
			Region: region1, Time: fixedNow},
		"pod-role-session": {Principal: policy.Principal{Type: policy.RoleSession, ARN: "arn:aws:sts::" + acct + ":assumed-role/pod-role/x", Account: acct,
			RoleARN: "arn:aws:iam::" + acct + ":role/pod-role", UserID: "AROAPODROLEXXXXXXXXXX:x"},
			RoleName: "pod-role", RolePath: "/", SessionName: "x", Temporary: true, Region: region1, Time: fixedNow},
		"other-region": {Principal: policy.Principal{Type: policy.Root, ARN: "arn:aws:iam::" + acct + ":root", Account: acct}, Region: "eu-west-1", Time: fixedNow},
	}
	e.svc = &Service{Cache: e.cache, Authz: &authz.Authorizer{Cache: e.cache, Audit: e.audit}, Auth: &stubAuth{callers: callers}, Ring: ring,
		OIDC: oidc.NewVerifier(oidc.Options{Now: now}), Now: now, NewUUID: e.nextUUID}
	return e
}

// roleID derives a unique AROA... ID from a role name.
func roleID(name string) string {
	id := strings.ToUpper(strings.ReplaceAll(name, "-", "")) + strings.Repeat("X", 17)
	return "AROA" + id[:17]
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) nextUUID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.seq)
}

// token returns a signed pod token for ns/app (pod "p-"+ns), with edit
// applied to its claims.
func (e *env) token(ns string, edit func(claims)) string {
	c := e.is.podClaims(e.now(), ns, "app", "p-"+ns)
	if edit != nil {
		edit(c)
	}
	kid := "rsa"
	if k, ok := c["_kid"].(string); ok {
		kid = k
		delete(c, "_kid")
	}
	return sign(e.t, c, kid)
}

type response struct {
	Status    int
	ErrorType string
	RequestID string
	Body      []byte
}

// do calls AssumeRoleForPodIdentity for cluster with body as caller.
func (e *env) do(caller, cluster string, body any) *response {
	e.t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req := httptest.NewRequest("POST", "https://eks-auth.us-west-2.api.aws/clusters/"+cluster+"/assume-role-for-pod-identity", bytes.NewReader(b))
	req.Header.Set("X-Test-Caller", caller)
	e.mu.Lock()
	e.seq++
	rid := fmt.Sprintf("req-%d", e.seq)
	e.mu.Unlock()
	req = req.WithContext(server.WithRequestID(req.Context(), rid))
	rec := httptest.NewRecorder()
	e.svc.ServeREST(rec, req)
	return &response{Status: rec.Code, ErrorType: rec.Header().Get("x-amzn-ErrorType"), RequestID: rid, Body: rec.Body.Bytes()}
}

// assume calls for a token and expects success.
func (e *env) assume(tok string) *AssumeRoleForPodIdentityOutput {
	e.t.Helper()
	r := e.do("node", "demo", map[string]string{"token": tok})
	if r.Status != 200 {
		e.t.Fatalf("status %d %s %s", r.Status, r.ErrorType, r.Body)
	}
	var out AssumeRoleForPodIdentityOutput
	must(e.t, json.Unmarshal(r.Body, &out))
	return &out
}

var credRE = regexp.MustCompile(`"(sessionToken|secretAccessKey|accessKeyId)":"[^"]*"`)

// golden compares a response, with the random credentials redacted, with
// testdata/golden/name.json.
func golden(t testing.TB, name string, r *response) {
	t.Helper()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP %d", r.Status)
	if r.ErrorType != "" {
		fmt.Fprintf(&buf, " x-amzn-ErrorType: %s", r.ErrorType)
	}
	buf.WriteByte('\n')
	body := credRE.ReplaceAll(r.Body, []byte(`"$1":"REDACTED"`))
	body = bytes.ReplaceAll(body, []byte(strings.TrimPrefix(testIssuerURL, "https://")), []byte("ISSUER"))
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("not JSON: %q", r.Body)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, buf.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s--- want\n%s", name, buf.Bytes(), want)
	}
}

// testIssuerURL is the issuer of the current golden test (its port
// varies), replaced by ISSUER in golden files.
var testIssuerURL = "https://unset"
