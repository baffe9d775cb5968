package eks

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
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

// fixedNow is the clock of every test service.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

// stubAuth authenticates every request as the caller named by the
// X-Test-Caller header (default "root"), or fails with err.
type stubAuth struct {
	callers map[string]*auth.Caller
	err     error
}

func (a *stubAuth) Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error) {
	if a.err != nil {
		return ctx, a.err
	}
	if service != SigningName {
		return ctx, fmt.Errorf("authenticated for service %q", service)
	}
	name := r.Header.Get("X-Test-Caller")
	if name == "" {
		name = "root"
	}
	c, ok := a.callers[name]
	if !ok {
		return ctx, fmt.Errorf("no test caller %q", name)
	}
	cc := *c
	return auth.WithCaller(ctx, &cc), nil
}

// env is a Service over a real in-memory SQLite store with a few IAM
// principals:
//
//	root     the account's root user (allowed everything)
//	viewer   user with eks:Describe*/List* only
//	admin    user with eks:* and iam:PassRole to pods.eks.amazonaws.com
//	tagger   user allowed eks:* only on resources tagged team=blue
//	ops      session of role Ops (path /eng/), allowed eks:*
//	stranger root of another account
type env struct {
	t     testing.TB
	st    store.Store
	cache *storecache.Cache
	svc   *Service
	audit *audit.Log
	auth  *stubAuth

	mu   sync.Mutex
	seq  int
	uuid int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, st: st}
	e.cache = storecache.New(st, storecache.Options{Now: func() time.Time { return fixedNow }})
	e.audit = audit.New(nil, st, 0, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { e.audit.Close() })
	az := &authz.Authorizer{Cache: e.cache, Audit: e.audit}
	for _, a := range []string{acct, other} {
		must(t, st.CreateAccount(ctx, store.Account{ID: a, CreateDate: fixedNow}))
	}
	user := func(name, doc string) {
		must(t, st.CreateUser(ctx, store.User{Account: acct, Name: name, Path: "/", UserID: "AIDA" + strings.ToUpper(name) + "XXXXXXXXXXXX"[:17-len(name)], CreateDate: fixedNow}))
		must(t, st.PutInlinePolicy(ctx, store.InlinePolicy{Owner: store.Principal{Kind: store.KindUser, Account: acct, Name: name}, Name: "p", Document: doc}))
	}
	user("viewer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["eks:Describe*","eks:List*"],"Resource":"*"}]}`)
	user("admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"pods.eks.amazonaws.com"}}}]}`)
	user("tagger", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}}]}`)
	must(t, st.CreateRole(ctx, store.Role{Account: acct, Name: "Ops", Path: "/eng/", RoleID: "AROAOPSXXXXXXXXXXXXXX", CreateDate: fixedNow,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`}))
	must(t, st.PutInlinePolicy(ctx, store.InlinePolicy{Owner: store.Principal{Kind: store.KindRole, Account: acct, Name: "Ops"}, Name: "p",
		Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:*","Resource":"*"}]}`}))
	must(t, st.CreateRole(ctx, store.Role{Account: acct, Name: "pod-role", Path: "/", RoleID: "AROAPODROLEXXXXXXXXXX", CreateDate: fixedNow,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`}))
	must(t, st.CreateRole(ctx, store.Role{Account: acct, Name: "other-role", Path: "/", RoleID: "AROAOTHERROLEXXXXXXXX", CreateDate: fixedNow,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`}))

	userCaller := func(name string) *auth.Caller {
		return &auth.Caller{Principal: policy.Principal{Type: policy.User, ARN: "arn:aws:iam::" + acct + ":user/" + name, Account: acct, UserName: name, UserID: "AIDA" + name},
			UserName: name, UserPath: "/", Region: region1, Time: fixedNow, AccessKeyID: "AKIATEST"}
	}
	e.auth = &stubAuth{callers: map[string]*auth.Caller{
		"root":     {Principal: policy.Principal{Type: policy.Root, ARN: "arn:aws:iam::" + acct + ":root", Account: acct, UserID: acct}, Region: region1, Time: fixedNow},
		"stranger": {Principal: policy.Principal{Type: policy.Root, ARN: "arn:aws:iam::" + other + ":root", Account: other, UserID: other}, Region: region1, Time: fixedNow},
		"viewer":   userCaller("viewer"),
		"admin":    userCaller("admin"),
		"tagger":   userCaller("tagger"),
		"ops": {Principal: policy.Principal{Type: policy.RoleSession, ARN: "arn:aws:sts::" + acct + ":assumed-role/Ops/alice", Account: acct,
			RoleARN: "arn:aws:iam::" + acct + ":role/eng/Ops", UserID: "AROAOPSXXXXXXXXXXXXXX:alice"},
			RoleName: "Ops", RolePath: "/eng/", RoleID: "AROAOPSXXXXXXXXXXXXXX", SessionName: "alice", Temporary: true, SessionType: "AssumeRole",
			Region: region1, Time: fixedNow},
	}}
	e.svc = &Service{Store: st, Cache: e.cache, Authz: az, Auth: e.auth, Now: func() time.Time { return fixedNow },
		NewAssociationID: e.nextAssociationID, NewUUID: e.nextUUID}
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) nextAssociationID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("a-%017d", e.seq)
}

func (e *env) nextUUID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.uuid++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.uuid)
}

// response is a recorded REST response.
type response struct {
	Status    int
	ErrorType string
	RequestID string
	Body      []byte
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// do serves one request as caller.
func (e *env) do(caller, method, path string, body any) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, "https://eks.us-west-2.amazonaws.com"+path, rd)
	req.Header.Set("X-Test-Caller", caller)
	req = req.WithContext(server.WithRequestID(req.Context(), "req-"+strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "-")))
	rec := httptest.NewRecorder()
	e.svc.ServeREST(rec, req)
	return &response{Status: rec.Code, ErrorType: rec.Header().Get("x-amzn-ErrorType"), RequestID: rec.Header().Get("x-amzn-RequestId"), Body: rec.Body.Bytes()}
}

// ok asserts a 200 and decodes the body into v (if not nil).
func (e *env) ok(caller, method, path string, body, v any) *response {
	e.t.Helper()
	r := e.do(caller, method, path, body)
	if r.Status != http.StatusOK {
		e.t.Fatalf("%s %s as %s: status %d %s %s", method, path, caller, r.Status, r.ErrorType, r.Body)
	}
	if v != nil {
		r.decode(e.t, v)
	}
	return r
}

// fail asserts an error response with the given status and code.
func (e *env) fail(caller, method, path string, body any, status int, code string) *response {
	e.t.Helper()
	r := e.do(caller, method, path, body)
	if r.Status != status || r.ErrorType != code {
		e.t.Fatalf("%s %s as %s: got %d %s %s, want %d %s", method, path, caller, r.Status, r.ErrorType, r.Body, status, code)
	}
	return r
}

// createCluster registers a cluster as root.
func (e *env) createCluster(name string, extra map[string]any) {
	e.t.Helper()
	body := map[string]any{"name": name, "roleArn": "arn:aws:iam::" + acct + ":role/eks", "resourcesVpcConfig": map[string]any{}}
	for k, v := range extra {
		body[k] = v
	}
	e.ok("root", "POST", "/clusters", body, nil)
}

// golden compares got (JSON, indented before comparison) with
// testdata/golden/name.json, rewriting it with -update.
func golden(t testing.TB, name string, r *response) {
	t.Helper()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP %d", r.Status)
	if r.ErrorType != "" {
		fmt.Fprintf(&buf, " x-amzn-ErrorType: %s", r.ErrorType)
	}
	buf.WriteByte('\n')
	if len(r.Body) > 0 {
		if err := json.Indent(&buf, r.Body, "", "  "); err != nil {
			t.Fatalf("response is not JSON: %q", r.Body)
		}
		buf.WriteByte('\n')
	}
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
