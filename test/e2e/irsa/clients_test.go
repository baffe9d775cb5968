package irsa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// A webIdentity is what the pod identity webhook gives a container: the
// role to assume and the file holding the projected token.
type webIdentity struct {
	RoleARN     string
	TokenFile   string
	SessionName string
}

// env returns the variables the webhook injects, plus AWS_ROLE_SESSION_NAME.
func (w webIdentity) env() []string {
	env := []string{"AWS_ROLE_ARN=" + w.RoleARN, "AWS_WEB_IDENTITY_TOKEN_FILE=" + w.TokenFile}
	if w.SessionName != "" {
		env = append(env, "AWS_ROLE_SESSION_NAME="+w.SessionName)
	}
	return env
}

// writeToken stores a token where a client reads it, mode 0600, like the
// kubelet's projected volume. Tokens never go on a command line.
func writeToken(t testing.TB, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clientEnv is the environment of an AWS client talking to endpoint with a
// throwaway HOME: no profile, no credentials, no IMDS; region set for both
// the AWS CLI v1 (AWS_DEFAULT_REGION) and the SDKs (AWS_REGION); one
// attempt per call, so every call is one audit event.
func clientEnv(t testing.TB, endpoint string, extra ...string) []string {
	home := t.TempDir()
	return cleanEnv(append([]string{
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_DEFAULT_REGION=" + testbed.AWSRegion,
		"AWS_REGION=" + testbed.AWSRegion,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_PAGER=",
	}, extra...)...)
}

// cliResult is one AWS CLI invocation's outcome.
type cliResult struct {
	Stdout, Stderr string
	Err            error
}

// errorLine matches the AWS CLI's one-line report of a service error.
var errorLine = regexp.MustCompile(`An error occurred \(([A-Za-z]+)\) when calling the ([A-Za-z]+) operation: (.*)`)

// ServiceError returns the code and message of the service error the CLI
// reported, or ok false.
func (r cliResult) ServiceError() (code, message string, ok bool) {
	m := errorLine.FindStringSubmatch(r.Stderr)
	if m == nil {
		return "", "", false
	}
	return m[1], strings.TrimSpace(m[3]), true
}

// awsCLI runs the real AWS CLI (v1) with env and args.
func awsCLI(t testing.TB, env []string, args ...string) cliResult {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, "--output", "json")...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return cliResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// mustAWSCLI runs the AWS CLI and decodes its JSON output into v.
func mustAWSCLI(t testing.TB, env []string, v any, args ...string) {
	t.Helper()
	r := awsCLI(t, env, args...)
	if r.Err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), r.Err, strings.TrimSpace(r.Stderr))
	}
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.Stdout)
	}
}

// callerIdentity is GetCallerIdentity's output, from any client.
type callerIdentity struct {
	UserId, Account, Arn string //nolint:revive // AWS member names
}

// boto3 runs a Python script with boto3 in env; the script prints JSON,
// which is decoded into v.
func boto3(t testing.TB, env []string, script string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3 script: %v\n%s", err, tail(stderr.String(), 3000))
	}
	if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
		t.Fatalf("boto3 script output is not JSON: %v\n%s", err, stdout.String())
	}
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// assumedRoleARN is the ARN STS gives a role session.
func assumedRoleARN(account, role, session string) string {
	return fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, role, session)
}
