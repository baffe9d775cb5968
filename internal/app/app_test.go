package app_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

// TestDemoExplain reproduces the README's first steps with the real AWS CLI:
// a denied AssumeRole is explained by `trustbridge explain` through the
// edge, and the audit stream records the decision without secrets.
func TestDemoExplain(t *testing.T) {
	s := apptest.Start(t, apptest.Options{ExplainErrors: true})
	userOne := apptest.KeyCreds(s.Key(t, "UserOne"))
	_, errOut, err := s.AWS(t, userOne, "sts", "assume-role", "--role-arn", "arn:aws:iam::012345678901:role/remote-account-access", "--role-session-name", "demo", "--debug")
	if err == nil {
		t.Fatal("UserOne may not assume remote-account-access")
	}
	if !strings.Contains(errOut, "(trustbridge: implicit deny: cross-account request") {
		t.Fatalf("--explain-errors reason missing:\n%s", tail(errOut))
	}
	m := regexp.MustCompile(`<RequestId>([0-9a-f-]{36})</RequestId>`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no request ID in:\n%s", tail(errOut))
	}
	// explain runs as a process with UserOne's credentials.
	bin := filepath.Join(t.TempDir(), "trustbridge")
	if out, err := runGo("build", "-o", bin, "github.com/trustbridge/trustbridge/cmd/trustbridge"); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, errOut2, err := apptest.Run(s.Env(t, userOne), "", bin, "explain", m[1])
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, errOut2)
	}
	for _, want := range []string{"decision: ImplicitlyDenied for sts:AssumeRole", "no identity policy of arn:aws:iam::123456789012:user/UserOne allows sts:AssumeRole", "trust policy of role/remote-account-access: allows"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
	// Account two owns the role and may read the explanation too.
	rootTwo := apptest.KeyCreds(s.Key(t, "root:012345678901"))
	if _, errOut, err := apptest.Run(s.Env(t, rootTwo), "", bin, "explain", m[1]); err != nil {
		t.Fatalf("the resource's account cannot read the explanation: %v %s", err, errOut)
	}
	// An unknown request ID is a clear 404.
	if _, errOut, err := apptest.Run(s.Env(t, userOne), "", bin, "explain", "00000000-0000-4000-8000-000000000000"); err == nil || !strings.Contains(errOut, "No decision is recorded") {
		t.Fatalf("unknown ID: %v %s", err, errOut)
	}
	audit := s.AuditLog()
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(audit), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		if ev["requestID"] == m[1] {
			found = true
		}
	}
	if !found {
		t.Fatalf("no audit event for %s:\n%s", m[1], audit)
	}
	if strings.Contains(audit, userOne.SecretAccessKey) {
		t.Fatal("audit log contains a secret")
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}

// runGo runs the go command without a deadline: a cold build on a loaded
// two-core machine can take minutes. It keeps the test binary's build
// settings so the build cache is shared.
func runGo(args ...string) (string, error) {
	out, err := exec.Command("go", args...).CombinedOutput()
	return string(out), err
}
