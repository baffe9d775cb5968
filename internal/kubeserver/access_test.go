package kubeserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
	"github.com/trustbridge/trustbridge/internal/k8s/tokenreview"
	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/store"
)

// The demo world's (seed 003's) cluster and principals.
const (
	demoAccount = "123456789012"
	demoCluster = "aws-eks-auth-test"
	demoRegion  = "us-west-2"
	viewPolicy  = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
)

var demoRef = store.ClusterRef{Account: demoAccount, Region: demoRegion, Name: demoCluster}

func userARN(name string) string { return "arn:aws:iam::" + demoAccount + ":user/" + name }

// mapUser maps a user of the demo account through m.
func mapUser(t *testing.T, m *awsauth.Mapper, name string) (*awsauth.Mapping, error) {
	t.Helper()
	id, err := awsauth.NewIdentity(demoAccount, userARN(name), "AIDAEXAMPLE"+strings.ToUpper(name), "AKIAEXAMPLE", userARN(name))
	if err != nil {
		t.Fatal(err)
	}
	return m.Map(context.Background(), demoCluster, id)
}

// TestClusterAccessFollowsTheStore: the snapshot is built once per store
// revision, picks up access entries, associations and authentication mode
// changes made after it was built, and reports a deleted cluster as
// unknown.
func TestClusterAccessFollowsTheStore(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	ca := newClusterAccess(s.App.Cache, demoRef, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m := &awsauth.Mapper{Clusters: ca, ConfigMaps: ca}
	st := s.App.Store

	first, err := ca.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := ca.snapshot(ctx); again != first {
		t.Fatal("an unchanged store rebuilt the snapshot")
	}
	if first.access.Mode != awsauth.ModeAPIAndConfigMap || first.access.AccessEntries.Len() != 1 || first.configMap == nil || len(first.configMap.Users) != 2 {
		t.Fatalf("demo snapshot: mode %s, %d entries, configMap %+v", first.access.Mode, first.access.AccessEntries.Len(), first.configMap)
	}

	// The world file's aws-auth maps UserOne and UserTwo; the access entry
	// maps UserThree with its view policy.
	for _, tc := range []struct {
		user, username, source, group string
		policies                      int
	}{
		{"UserOne", "UserOne", awsauth.SourceMapUsers, "system:masters", 0},
		{"UserTwo", "UserTwo", awsauth.SourceMapUsers, "eks-default", 0},
		{"UserThree", "UserThree", awsauth.SourceAccessEntry, "", 1},
	} {
		mp, err := mapUser(t, m, tc.user)
		if err != nil {
			t.Fatalf("%s: %v", tc.user, err)
		}
		if mp.Username != tc.username || mp.Source != tc.source || len(mp.Policies) != tc.policies ||
			(tc.group != "" && !strings.Contains(strings.Join(mp.Groups, ","), tc.group)) {
			t.Errorf("%s: %+v", tc.user, mp)
		}
	}

	// An access entry for UserTwo, scoped to kube-system: access entries win
	// over aws-auth once the cache sees the write.
	if err := st.CreateAccessEntry(ctx, store.AccessEntry{Cluster: demoRef, PrincipalARN: userARN("UserTwo"), Username: "two-from-entry", Type: "STANDARD"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AssociateAccessPolicy(ctx, demoRef, userARN("UserTwo"), store.AccessPolicyAssociation{
		PolicyARN: viewPolicy, AccessScope: store.AccessScope{Type: store.ScopeNamespace, Namespaces: []string{"kube-system"}},
	}); err != nil {
		t.Fatal(err)
	}
	s.App.Cache.Invalidate()
	mp, err := mapUser(t, m, "UserTwo")
	if err != nil {
		t.Fatal(err)
	}
	want := accesspolicy.Association{PolicyARN: viewPolicy, Scope: accesspolicy.Scope{Type: accesspolicy.ScopeNamespace, Namespaces: []string{"kube-system"}}}
	if mp.Username != "two-from-entry" || mp.Source != awsauth.SourceAccessEntry || len(mp.Policies) != 1 ||
		mp.Policies[0].PolicyARN != want.PolicyARN || mp.Policies[0].Scope.Type != want.Scope.Type || strings.Join(mp.Policies[0].Scope.Namespaces, ",") != "kube-system" {
		t.Fatalf("UserTwo after its access entry: %+v", mp)
	}
	second, _ := ca.snapshot(ctx)
	if second == first || second.access.AccessEntries.Len() != 2 {
		t.Fatalf("snapshot not rebuilt after a write: %d entries", second.access.AccessEntries.Len())
	}

	// CONFIG_MAP mode: access entries are no longer consulted.
	setMode := func(mode string) {
		t.Helper()
		if err := st.UpdateCluster(ctx, demoRef, func(c *store.Cluster) error { c.AuthenticationMode = mode; return nil }); err != nil {
			t.Fatal(err)
		}
		s.App.Cache.Invalidate()
	}
	setMode(store.AuthModeConfigMap)
	if mp, err := mapUser(t, m, "UserTwo"); err != nil || mp.Source != awsauth.SourceMapUsers {
		t.Fatalf("UserTwo in CONFIG_MAP mode: %+v, %v", mp, err)
	}
	var nm *awsauth.NotMappedError
	if _, err := mapUser(t, m, "UserThree"); !errors.As(err, &nm) {
		t.Fatalf("UserThree in CONFIG_MAP mode: %v", err)
	}
	// API mode: aws-auth is not consulted.
	setMode(store.AuthModeAPI)
	if _, err := mapUser(t, m, "UserOne"); !errors.As(err, &nm) {
		t.Fatalf("UserOne in API mode: %v", err)
	}

	// A cluster reference other than the served one is unknown; a deleted
	// cluster too.
	if _, err := ca.ClusterAccess(ctx, "another"); !errors.Is(err, awsauth.ErrUnknownCluster) {
		t.Fatalf("another cluster: %v", err)
	}
	if cm, err := ca.AWSAuth(ctx, "another"); cm != nil || err != nil {
		t.Fatalf("aws-auth of another cluster: %v, %v", cm, err)
	}
	if err := st.DeleteCluster(ctx, demoRef); err != nil {
		t.Fatal(err)
	}
	s.App.Cache.Invalidate()
	if _, err := ca.ClusterAccess(ctx, demoCluster); !errors.Is(err, awsauth.ErrUnknownCluster) {
		t.Fatalf("deleted cluster: %v", err)
	}
}

// TestClusterAccessInvalidMode: an authenticationMode the store holds but
// EKS does not know fails every mapping with the mode named, and is logged.
func TestClusterAccessInvalidMode(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	var logBuf logtest.Buffer
	ca := newClusterAccess(s.App.Cache, demoRef, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err := s.App.Store.UpdateCluster(ctx, demoRef, func(c *store.Cluster) error { c.AuthenticationMode = "BOGUS"; return nil }); err != nil {
		t.Fatal(err)
	}
	s.App.Cache.Invalidate()
	_, err := ca.ClusterAccess(ctx, demoCluster)
	if err == nil || !strings.Contains(err.Error(), "BOGUS") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(logBuf.String(), "cluster access configuration invalid") {
		t.Fatalf("not logged: %s", logBuf.String())
	}
}

// TestCredentials: the credential lookup resolves long-term user keys and
// role session credentials to the caller and its IAM principal, and
// refuses unknown keys with an AWS error that carries no secret.
func TestCredentials(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	c := credentials{auth: s.App.Auth}
	one := s.Key(t, "UserOne")

	secret, id, err := c.LookupCredential(ctx, one.AccessKeyID, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if secret != one.SecretAccessKey || id.ARN != userARN("UserOne") || id.PrincipalARN != userARN("UserOne") || id.Account != demoAccount || !strings.HasPrefix(id.UserID, "AIDA") {
		t.Fatalf("UserOne: %+v", id)
	}

	// UserOne assumes a role with a path that trusts it by name.
	root := s.Key(t, "root:"+demoAccount)
	iamc := iam.New(iam.Options{Region: demoRegion, BaseEndpoint: aws.String(s.URL),
		Credentials: aws.NewCredentialsCache(staticCreds{root.AccessKeyID, root.SecretAccessKey})})
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + userARN("UserOne") + `"},"Action":"sts:AssumeRole"}]}`
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("kube-dev"), Path: aws.String("/teams/dev/"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	client := sts.New(sts.Options{Region: demoRegion, BaseEndpoint: aws.String(s.URL),
		Credentials: aws.NewCredentialsCache(staticCreds{one.AccessKeyID, one.SecretAccessKey})})
	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + demoAccount + ":role/teams/dev/kube-dev"), RoleSessionName: aws.String("kubectl")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	secret, id, err = c.LookupCredential(ctx, aws.ToString(cr.AccessKeyId), aws.ToString(cr.SessionToken), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if secret != aws.ToString(cr.SecretAccessKey) || id.ARN != "arn:aws:sts::"+demoAccount+":assumed-role/kube-dev/kubectl" ||
		id.PrincipalARN != "arn:aws:iam::"+demoAccount+":role/teams/dev/kube-dev" || !strings.HasPrefix(id.UserID, "AROA") || !strings.HasSuffix(id.UserID, ":kubectl") {
		t.Fatalf("role session: %+v", id)
	}

	for name, tc := range map[string]struct{ id, token string }{
		"unknown key":         {"AKIABZPUZDIKAAAAAAAA", ""},
		"tampered session":    {aws.ToString(cr.AccessKeyId), aws.ToString(cr.SessionToken) + "x"},
		"session without key": {one.AccessKeyID, aws.ToString(cr.SessionToken)},
	} {
		secret, _, err := c.LookupCredential(ctx, tc.id, tc.token, time.Now())
		var ae *apierror.Error
		if secret != "" || !errors.As(err, &ae) {
			t.Errorf("%s: secret %q, err %v", name, secret, err)
			continue
		}
		if strings.Contains(err.Error(), one.SecretAccessKey) || (tc.token != "" && strings.Contains(err.Error(), tc.token[:20])) {
			t.Errorf("%s: the error carries a secret: %v", name, err)
		}
	}
}

type staticCreds struct{ id, secret string }

func (c staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, nil
}

// TestAssociationsLookup: pod identity associations of the served cluster
// only.
func TestAssociationsLookup(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	a := associations{cache: s.App.Cache, ref: demoRef}
	for _, tc := range []struct {
		cluster, ns, sa, role string
		found                 bool
	}{
		{demoCluster, "pod-id", "pod-identity", "arn:aws:iam::123456789012:role/pod-identity-test", true},
		{demoCluster, "pod-id", "other", "", false},
		{"another", "pod-id", "pod-identity", "", false},
	} {
		role, found, err := a.Lookup(context.Background(), tc.cluster, tc.ns, tc.sa)
		if err != nil || found != tc.found || role != tc.role {
			t.Errorf("%s %s/%s: %q %v %v", tc.cluster, tc.ns, tc.sa, role, found, err)
		}
	}
	if _, err := (noServiceAccounts{}).Get(context.Background(), "ns", "sa"); err == nil || !strings.Contains(err.Error(), "--kubeconfig") {
		t.Fatalf("noServiceAccounts: %v", err)
	}
}

// TestUnmappedIdentityIsExplained: a valid token of an identity nothing
// maps is rejected, logged with a request ID, and `trustbridge explain`
// finds the reason (with the fix) under that ID. No secret or signature
// reaches the log or the record.
func TestUnmappedIdentityIsExplained(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	ctx := context.Background()
	// UserThree loses its access entry: a valid identity with no mapping.
	if err := s.App.Store.DeleteAccessEntry(ctx, demoRef, userARN("UserThree")); err != nil {
		t.Fatal(err)
	}
	s.App.Cache.Invalidate()
	var logBuf logtest.Buffer
	ks, err := New(ctx, s.App, Config{Addr: "127.0.0.1:0", SelfSignedDir: t.TempDir(), Cluster: demoCluster, Region: demoRegion,
		NoKubernetesAPI: true, Logger: slog.New(slog.NewJSONHandler(&logBuf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	three := s.Key(t, "UserThree")
	tok := presignToken(t, three.AccessKeyID, three.SecretAccessKey, demoCluster, "sts."+demoRegion+".amazonaws.com", time.Now())
	st := tokenReview(t, ks.Handler(), tok)
	if st["authenticated"] == true {
		t.Fatalf("unmapped UserThree authenticated: %v", st)
	}

	var line struct {
		Msg, RequestID, Reason, ARN string
	}
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		var v map[string]any
		if json.Unmarshal([]byte(l), &v) == nil && v["msg"] == "token rejected" {
			line.Msg, _ = v["msg"].(string)
			line.RequestID, _ = v["request_id"].(string)
			line.Reason, _ = v["reason"].(string)
			line.ARN, _ = v["arn"].(string)
		}
	}
	if line.RequestID == "" || line.Reason != string(tokenreview.ReasonNotMapped) || line.ARN != userARN("UserThree") {
		t.Fatalf("rejection log: %+v\n%s", line, logBuf.String())
	}
	rec, err := s.App.Audit.Get(ctx, line.RequestID)
	if err != nil {
		t.Fatalf("explain %s: %v", line.RequestID, err)
	}
	if !strings.Contains(rec.Text, "UserThree") || !strings.Contains(rec.Text, "create-access-entry") || rec.Event.ErrorCode != "Unauthorized" {
		t.Fatalf("explanation: %+v\n%s", rec.Event, rec.Text)
	}
	sig := tokenSignature(t, tok)
	for what, text := range map[string]string{"log": logBuf.String(), "record": rec.Text + rec.Event.ErrorMessage, "audit": s.AuditLog()} {
		for _, secret := range []string{three.SecretAccessKey, sig, strings.TrimPrefix(tok, "k8s-aws-v1.")[:40]} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s carries a secret, signature or token", what)
			}
		}
	}
}

// presignToken makes a k8s-aws-v1 token the way aws eks get-token does,
// signed for demoRegion (us-east-1 for the global sts.amazonaws.com).
func presignToken(tb testing.TB, id, secret, cluster, host string, when time.Time) string {
	tb.Helper()
	region := demoRegion
	if host == "sts.amazonaws.com" {
		region = "us-east-1"
	}
	req, _ := http.NewRequest(http.MethodGet, "https://"+host+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	req.Header.Set("x-k8s-aws-id", cluster)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", region, when)
	if err != nil {
		tb.Fatal(err)
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u))
}

func tokenSignature(t *testing.T, tok string) string {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "k8s-aws-v1."))
	if err != nil {
		t.Fatal(err)
	}
	_, sig, _ := strings.Cut(string(raw), "X-Amz-Signature=")
	if len(sig) < 64 {
		t.Fatalf("no signature in the token")
	}
	return sig[:64]
}

func tokenReview(t *testing.T, h http.Handler, tok string) map[string]any {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, PathAuthenticate, strings.NewReader(tokenReviewBody(tok)))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("TokenReview: %d %s", w.Code, w.Body)
	}
	var v struct {
		Status map[string]any `json:"status"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v.Status
}

func tokenReviewBody(tok string) string {
	return `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + tok + `"}}`
}

// httpsServer runs the webhook server on a loopback port for b and returns
// its base URL and a keep-alive client trusting its self-signed CA.
func httpsServer(b *testing.B) (string, *http.Client, *apptest.Server) {
	b.Helper()
	s := apptest.Start(b, apptest.Options{})
	dir := b.TempDir()
	ks, err := New(context.Background(), s.App, Config{Addr: "127.0.0.1:0", SelfSignedDir: dir, Cluster: demoCluster, Region: demoRegion,
		NoKubernetesAPI: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- ks.Run(ctx, func(a net.Addr) { addr <- a }) }()
	var base string
	select {
	case a := <-addr:
		base = "https://" + a.String()
	case err := <-done:
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(func() { cancel(); <-done })
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 16}}
	b.Cleanup(client.CloseIdleConnections)
	return base, client, s
}

// benchPost posts body to url b.N times and reports the process's CPU
// time per operation (server and client in the same process) as
// cpu-ns/op, and the 99th percentile round trip as p99-ns. Sequential runs use one keep-alive connection (ns/op is the
// round-trip latency); parallel runs use 4 goroutines per GOMAXPROCS on
// keep-alive connections (ns/op is the inverse of the throughput).
func benchPost(b *testing.B, client *http.Client, url, body string, parallel bool, check func([]byte) bool) {
	b.Helper()
	do := func() ([]byte, error) {
		resp, err := client.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = errors.New(resp.Status + ": " + string(out))
		}
		return out, err
	}
	if out, err := do(); err != nil || !check(out) {
		b.Fatalf("unexpected answer: %v %s", err, out)
	}
	var mu sync.Mutex
	var lat []time.Duration
	timed := func() error {
		start := time.Now()
		_, err := do()
		d := time.Since(start)
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
		return err
	}
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := timed(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			if err := timed(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTokenReviewHTTPS: an aws-auth-mapped user's TokenReview through
// the real HTTPS server (TLS, routing, token verification, mapping, audit),
// one at a time and in parallel.
func BenchmarkTokenReviewHTTPS(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(map[bool]string{false: "sequential", true: "parallel"}[parallel], func(b *testing.B) {
			base, client, s := httpsServer(b)
			one := s.Key(b, "UserOne")
			tok := presignToken(b, one.AccessKeyID, one.SecretAccessKey, demoCluster, "sts."+demoRegion+".amazonaws.com", time.Now())
			benchPost(b, client, base+PathAuthenticate, tokenReviewBody(tok), parallel, func(out []byte) bool {
				return bytes.Contains(out, []byte(`"authenticated":true`))
			})
		})
	}
}

// BenchmarkSubjectAccessReviewHTTPS: a SubjectAccessReview an access
// policy allows (UserThree's AmazonEKSViewPolicy in default) through the
// real HTTPS server, one at a time and in parallel.
func BenchmarkSubjectAccessReviewHTTPS(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(map[bool]string{false: "sequential", true: "parallel"}[parallel], func(b *testing.B) {
			benchSAR(b, parallel)
		})
	}
}

func benchSAR(b *testing.B, parallel bool) {
	base, client, s := httpsServer(b)
	three := s.Key(b, "UserThree")
	tok := presignToken(b, three.AccessKeyID, three.SecretAccessKey, demoCluster, "sts."+demoRegion+".amazonaws.com", time.Now())
	resp, err := client.Post(base+PathAuthenticate, "application/json", strings.NewReader(tokenReviewBody(tok)))
	if err != nil {
		b.Fatal(err)
	}
	var tr struct {
		Status struct {
			User json.RawMessage `json:"user"`
		} `json:"status"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	var user struct {
		Username string              `json:"username"`
		UID      string              `json:"uid"`
		Groups   []string            `json:"groups"`
		Extra    map[string][]string `json:"extra"`
	}
	if err := json.Unmarshal(tr.Status.User, &user); err != nil || user.Username == "" {
		b.Fatalf("UserThree not authenticated: %s", tr.Status.User)
	}
	spec := map[string]any{"user": user.Username, "uid": user.UID, "groups": user.Groups, "extra": user.Extra,
		"resourceAttributes": map[string]string{"namespace": "default", "verb": "list", "version": "v1", "resource": "pods"}}
	body, _ := json.Marshal(map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})
	benchPost(b, client, base+PathAuthorize, string(body), parallel, func(out []byte) bool {
		return bytes.Contains(out, []byte(`"allowed":true`))
	})
}

// TestTokenReviewVersionsAndExtra: v1 and v1beta1 TokenReviews are
// answered in their own version with aws-iam-authenticator's user: the
// mapped username and groups, uid aws-iam-authenticator:ACCOUNT:USERID and
// the extra keys arn, canonicalArn, sessionName, accessKeyId, principalId.
func TestTokenReviewVersionsAndExtra(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	ks, err := New(context.Background(), s.App, Config{Addr: "127.0.0.1:0", SelfSignedDir: t.TempDir(), Cluster: demoCluster, Region: demoRegion,
		NoKubernetesAPI: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	one := s.Key(t, "UserOne")
	for _, host := range []string{"sts.amazonaws.com", "sts." + demoRegion + ".amazonaws.com"} {
		for _, version := range []string{"authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"} {
			tok := presignToken(t, one.AccessKeyID, one.SecretAccessKey, demoCluster, host, time.Now())
			body := `{"apiVersion":"` + version + `","kind":"TokenReview","spec":{"token":"` + tok + `"}}`
			req := httptest.NewRequest(http.MethodPost, PathAuthenticate, strings.NewReader(body))
			w := httptest.NewRecorder()
			ks.Handler().ServeHTTP(w, req)
			var v struct {
				APIVersion string `json:"apiVersion"`
				Status     struct {
					Authenticated bool `json:"authenticated"`
					User          struct {
						Username string              `json:"username"`
						UID      string              `json:"uid"`
						Groups   []string            `json:"groups"`
						Extra    map[string][]string `json:"extra"`
					} `json:"user"`
				} `json:"status"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != 200 {
				t.Fatalf("%s %s: %d %s", host, version, w.Code, w.Body)
			}
			u := v.Status.User
			if v.APIVersion != version || !v.Status.Authenticated || u.Username != "UserOne" || !strings.HasPrefix(u.UID, "aws-iam-authenticator:"+demoAccount+":AIDA") ||
				strings.Join(u.Groups, ",") != "system:masters" {
				t.Fatalf("%s %s: %s", host, version, w.Body)
			}
			for k, want := range map[string]string{"arn": userARN("UserOne"), "canonicalArn": userARN("UserOne"), "accessKeyId": one.AccessKeyID, "sessionName": ""} {
				got, ok := u.Extra[k]
				if !ok || (want != "" && (len(got) != 1 || got[0] != want)) {
					t.Errorf("%s %s: extra[%s] = %v, want %q", host, version, k, got, want)
				}
			}
			if p := u.Extra["principalId"]; len(p) != 1 || !strings.HasPrefix(p[0], "AIDA") {
				t.Errorf("%s %s: principalId %v", host, version, p)
			}
		}
	}
}
