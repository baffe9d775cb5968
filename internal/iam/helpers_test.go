package iam

import (
	"context"
	"flag"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	acct  = "123456789012"
	other = "210987654321"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

const s3ReadDoc = `{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]
}`

// env is a Service over a fresh in-memory SQLite store with two accounts.
type env struct {
	t     testing.TB
	st    store.Store
	cache *storecache.Cache
	svc   *Service
	q     *awsquery.Service
	ring  *serverkey.Ring
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{acct, other} {
		if err := st.CreateAccount(ctx, store.Account{ID: id, CreateDate: fixedNow.Add(-24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	ring, err := serverkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	cache := storecache.New(st, storecache.Options{OpenSecret: func(id string, sealed []byte) (string, error) {
		b, err := ring.OpenSecret(sealed, []byte(id))
		return string(b), err
	}})
	svc := &Service{Store: st, Cache: cache, Authz: &authz.Authorizer{Cache: cache}, Ring: ring, Now: func() time.Time { return fixedNow }}
	return &env{t: t, st: st, cache: cache, svc: svc, q: svc.Query(), ring: ring}
}

func rootOf(account string) *auth.Caller {
	return &auth.Caller{Principal: policy.Principal{Type: policy.Root, ARN: arn.Root("aws", account), Account: account, UserID: account}, AccessKeyID: "AKIAROOT"}
}

// userCaller returns the caller of a long-term key of an existing user, as
// the authenticator builds it.
func (e *env) userCaller(name string) *auth.Caller {
	e.t.Helper()
	u, err := e.st.GetUser(context.Background(), acct, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return &auth.Caller{
		Principal: policy.Principal{Type: policy.User, ARN: arn.User("aws", u.Account, u.Path, u.Name), Account: u.Account, UserID: u.UserID, UserName: u.Name},
		UserName:  u.Name, UserPath: u.Path, PrincipalTags: u.Tags, BoundaryARN: u.PermissionsBoundaryARN,
	}
}

// roleSession returns the caller of a session of an existing role.
func (e *env) roleSession(name string) *auth.Caller {
	e.t.Helper()
	r, err := e.st.GetRole(context.Background(), acct, name)
	if err != nil {
		e.t.Fatal(err)
	}
	roleARN := arn.Role("aws", r.Account, r.Path, r.Name)
	return &auth.Caller{
		Principal: policy.Principal{Type: policy.RoleSession, ARN: arn.AssumedRole("aws", acct, r.Name, "s1"), Account: acct, RoleARN: roleARN, UserID: r.RoleID + ":s1"},
		Temporary: true, RoleName: r.Name, RolePath: r.Path, RoleID: r.RoleID, SessionName: "s1",
	}
}

// call runs action through the Query service as c would, with params
// given as alternating names and values.
func (e *env) call(c *auth.Caller, action string, params ...string) (any, error) {
	e.t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		form.Add(params[i], params[i+1])
	}
	a, err := e.q.Lookup(action)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if c != nil {
		ctx = auth.WithCaller(ctx, c)
	}
	return e.q.Call(ctx, a, form)
}

// must is call that fails the test on error.
func (e *env) must(c *auth.Caller, action string, params ...string) any {
	e.t.Helper()
	out, err := e.call(c, action, params...)
	if err != nil {
		e.t.Fatalf("%s: %v", action, err)
	}
	return out
}

// root runs an action as the account root and fails on error.
func (e *env) root(action string, params ...string) any {
	e.t.Helper()
	return e.must(rootOf(acct), action, params...)
}

// render writes a result the way the edge does and normalizes the values
// that change between runs (IDs and secrets).
func (e *env) render(action string, result any) string {
	w := httptest.NewRecorder()
	awsquery.WriteResult(w, e.q, action, "00000000-0000-4000-8000-000000000000", result, false)
	return normalize(w.Body.String())
}

var (
	idRE     = regexp.MustCompile(`\b(AIDA|AROA|ANPA|AKIA)[A-Z2-7]{16,17}\b`)
	secretRE = regexp.MustCompile(`<SecretAccessKey>[^<]*</SecretAccessKey>`)
)

func normalize(s string) string {
	s = idRE.ReplaceAllString(s, "${1}EXAMPLE")
	return secretRE.ReplaceAllString(s, "<SecretAccessKey>SECRET</SecretAccessKey>")
}

// golden compares got with testdata/golden/name.xml, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".xml")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run go test -update if the change is intended)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// wantAPIError checks that err is an *apierror.Error with code and status
// and, if msg is not empty, exactly that message.
func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	e, ok := apierror.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *apierror.Error, want %s", err, err, code)
	}
	if e.Code != code || e.HTTPStatus() != status {
		t.Fatalf("error %s (%d) %q, want %s (%d)", e.Code, e.HTTPStatus(), e.Message, code, status)
	}
	if msg != "" && e.Message != msg {
		t.Fatalf("message %q, want %q", e.Message, msg)
	}
}

// grant gives user an inline policy.
func (e *env) grant(user, name, doc string) {
	e.t.Helper()
	e.root("PutUserPolicy", "UserName", user, "PolicyName", name, "PolicyDocument", doc)
}

func decodeDoc(t *testing.T, s string) string {
	t.Helper()
	d, err := url.PathUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func contains(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

func asAPIError(err error) (*apierror.Error, bool) { return apierror.As(err) }
