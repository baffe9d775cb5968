package sts_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/sigv4"
)

type creds struct {
	Credentials struct {
		AccessKeyId, SecretAccessKey, SessionToken, Expiration string
	}
	AssumedRoleUser struct{ AssumedRoleId, Arn string }
}

func (c creds) apptest() apptest.Creds {
	return apptest.Creds{AccessKeyID: c.Credentials.AccessKeyId, SecretAccessKey: c.Credentials.SecretAccessKey, SessionToken: c.Credentials.SessionToken}
}

// clock is a server clock tests can move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func startCrossAccount(t *testing.T) (*apptest.Server, *clock) {
	t.Helper()
	w, err := os.ReadFile("testdata/crossaccount.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{}
	return apptest.Start(t, apptest.Options{World: w, Now: clk.now}), clk
}

func key(s *apptest.Server, t *testing.T, who string) apptest.Creds {
	return apptest.KeyCreds(s.Key(t, who))
}

const adminRole = "arn:aws:iam::222222222222:role/EKSAdminRole"

func assume(t *testing.T, s *apptest.Server, c apptest.Creds, args ...string) creds {
	t.Helper()
	out := s.MustAWS(t, c, append([]string{"sts", "assume-role"}, args...)...)
	var r creds
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return r
}

func wantAWSError(t *testing.T, s *apptest.Server, c apptest.Creds, code, msg string, args ...string) {
	t.Helper()
	_, errOut, err := s.AWS(t, c, args...)
	if err == nil {
		t.Fatalf("aws %s succeeded, want %s", strings.Join(args, " "), code)
	}
	if !strings.Contains(errOut, "("+code+")") || !strings.Contains(errOut, msg) {
		t.Fatalf("aws %s: want %s %q, got:\n%s", strings.Join(args, " "), code, msg, errOut)
	}
}

func TestCrossAccountWithAWSCLI(t *testing.T) {
	s, clk := startCrossAccount(t)
	alice, bob, carol := key(s, t, "alice"), key(s, t, "bob"), key(s, t, "carol")

	r := assume(t, s, alice, "--role-arn", adminRole, "--role-session-name", "eks-session")
	if !strings.HasPrefix(r.Credentials.AccessKeyId, "ASIA") || r.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/EKSAdminRole/eks-session" ||
		!strings.HasPrefix(r.AssumedRoleUser.AssumedRoleId, "AROA") || !strings.HasSuffix(r.AssumedRoleUser.AssumedRoleId, ":eks-session") {
		t.Fatalf("unexpected result %+v", r)
	}
	// The session works, and GetAccessKeyInfo finds the account in its key.
	id := s.MustAWS(t, r.apptest(), "sts", "get-caller-identity")
	if !strings.Contains(id, `"Arn": "arn:aws:sts::222222222222:assumed-role/EKSAdminRole/eks-session"`) || !strings.Contains(id, `"Account": "222222222222"`) {
		t.Fatalf("get-caller-identity: %s", id)
	}
	// Identity policies of the session apply: it may read IAM in account B.
	s.MustAWS(t, r.apptest(), "iam", "get-role", "--role-name", "EKSAdminRole")

	// No identity policy allowing sts:AssumeRole: denied.
	wantAWSError(t, s, bob, "AccessDenied", "User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: "+adminRole,
		"sts", "assume-role", "--role-arn", adminRole, "--role-session-name", "x1")
	// A third account is not trusted.
	wantAWSError(t, s, carol, "AccessDenied", "is not authorized to perform: sts:AssumeRole", "sts", "assume-role", "--role-arn", adminRole, "--role-session-name", "x1")
	// ExternalId.
	ext := "arn:aws:iam::222222222222:role/ExternalIdRole"
	wantAWSError(t, s, alice, "AccessDenied", "not authorized", "sts", "assume-role", "--role-arn", ext, "--role-session-name", "x1", "--external-id", "wrong-id")
	wantAWSError(t, s, alice, "AccessDenied", "not authorized", "sts", "assume-role", "--role-arn", ext, "--role-session-name", "x1")
	assume(t, s, alice, "--role-arn", ext, "--role-session-name", "x1", "--external-id", "s3cr3t-ext")

	// DurationSeconds: the role allows 7200; more is refused; role chaining caps at one hour.
	assume(t, s, alice, "--role-arn", adminRole, "--role-session-name", "long", "--duration-seconds", "7200")
	wantAWSError(t, s, alice, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
		"sts", "assume-role", "--role-arn", adminRole, "--role-session-name", "xx", "--duration-seconds", "7201")
	wantAWSError(t, s, r.apptest(), "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
		"sts", "assume-role", "--role-arn", adminRole, "--role-session-name", "chained", "--duration-seconds", "7200")
	chained := assume(t, s, r.apptest(), "--role-arn", adminRole, "--role-session-name", "chained")
	if chained.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/EKSAdminRole/chained" {
		t.Fatalf("chained: %+v", chained)
	}
	// Validation of the session name, AWS's message.
	wantAWSError(t, s, alice, "ValidationError", "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
		"sts", "assume-role", "--role-arn", adminRole, "--role-session-name", "bad name")

	// A wrong secret.
	bad := alice
	bad.SecretAccessKey = "not-the-secret-not-the-secret-not-the-se"
	wantAWSError(t, s, bad, "SignatureDoesNotMatch", "The request signature we calculated does not match", "sts", "get-caller-identity")
	// A tampered session token.
	tampered := r.apptest()
	tok := []byte(tampered.SessionToken)
	tok[len(tok)/2] ^= 1
	if tok[len(tok)/2] == '_' || tok[len(tok)/2] == '-' {
		tok[len(tok)/2] = 'A'
	}
	tampered.SessionToken = string(tok)
	wantAWSError(t, s, tampered, "InvalidClientTokenId", "The security token included in the request is invalid", "sts", "get-caller-identity")
	// Another key ID with a valid token.
	swapped := r.apptest()
	swapped.AccessKeyID = chained.Credentials.AccessKeyId
	wantAWSError(t, s, swapped, "InvalidClientTokenId", "The security token included in the request is invalid", "sts", "get-caller-identity")
	// An expired session: the server's clock moves two hours on, and the
	// request is signed at that time so only the session is stale.
	clk.advance(2 * time.Hour)
	req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	c := r.apptest()
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	if err := sigv4.Sign(req, sigv4.PayloadHash([]byte(body)), sigv4.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, "us-west-2", "sts", clk.now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>ExpiredToken</Code>") || !strings.Contains(string(b), "The security token included in the request is expired") {
		t.Fatalf("expired session: %d %s", resp.StatusCode, b)
	}
}

func TestAssumeRoleProfilesAndSessionTags(t *testing.T) {
	s, _ := startCrossAccount(t)
	alice := s.Key(t, "alice")
	home := filepath.Join(s.Dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "[profile a]\nregion = us-west-2\n\n[profile b-admin]\nrole_arn = " + adminRole + "\nsource_profile = a\nrole_session_name = from-profile\nregion = us-west-2\n"
	credFile := "[a]\naws_access_key_id = " + alice.AccessKeyID + "\naws_secret_access_key = " + alice.SecretAccessKey + "\n"
	if err := os.WriteFile(filepath.Join(home, "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "credentials"), []byte(credFile), 0o600); err != nil {
		t.Fatal(err)
	}
	out := s.MustAWS(t, apptest.Creds{}, "--profile", "b-admin", "sts", "get-caller-identity")
	if !strings.Contains(out, "assumed-role/EKSAdminRole/from-profile") {
		t.Fatalf("profile with role_arn: %s", out)
	}
	// Session tags need sts:TagSession on both sides; they become principal tags.
	r := assume(t, s, apptest.KeyCreds(alice), "--role-arn", adminRole, "--role-session-name", "tagged",
		"--tags", "Key=team,Value=blue", "--transitive-tag-keys", "team")
	if r.Credentials.SessionToken == "" {
		t.Fatal("no session token")
	}
	wantAWSError(t, s, apptest.KeyCreds(alice), "ValidationError", "Duplicate tag keys found", "sts", "assume-role",
		"--role-arn", adminRole, "--role-session-name", "t2", "--tags", "Key=team,Value=blue", "Key=TEAM,Value=red")
}

func TestBoto3(t *testing.T) {
	s, _ := startCrossAccount(t)
	out := s.MustPython(t, key(s, t, "alice"), `
import boto3, botocore
sts = boto3.client("sts")
r = sts.assume_role(RoleArn="`+adminRole+`", RoleSessionName="boto")
c = r["Credentials"]
s2 = boto3.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
print(s2.get_caller_identity()["Arn"])
try:
    sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/ExternalIdRole", RoleSessionName="boto", ExternalId="nope-nope")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
print(sts.get_access_key_info(AccessKeyId=c["AccessKeyId"])["Account"] if False else "skip")
`)
	want := "arn:aws:sts::222222222222:assumed-role/EKSAdminRole/boto\nAccessDenied 403\nskip\n"
	if out != want {
		t.Fatalf("boto3 printed %q, want %q", out, want)
	}
}
