package irsa

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeed003CrossAccount is seed 003's cross-account step: a pod's web
// identity session for local-account-access (account one) assumes
// remote-account-access in account two through an AWS CLI profile chain
// (role_arn + source_profile with web_identity_token_file), and it works;
// the same from a ServiceAccount in the default namespace is denied at the
// first hop by local-account-access's trust policy.
func TestSeed003CrossAccount(t *testing.T) {
	c := mainCluster(t)
	tb := sharedServer(t)
	ctx := t.Context()
	for _, ns := range []string{"cross-account-sts", "default"} {
		if _, err := c.EnsureServiceAccount(ctx, ns, "local-access", nil); err != nil {
			t.Fatal(err)
		}
	}
	profiles := func(t *testing.T, namespace string) []string {
		tok, err := c.CreateToken(ctx, namespace, "local-access", []string{stsAudience}, 3600)
		if err != nil {
			t.Fatal(err)
		}
		tokenFile := writeToken(t, tok)
		env := clientEnv(t, tb.URL)
		var cfgPath string
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "AWS_CONFIG_FILE="); ok {
				cfgPath = v
			}
		}
		cfg := "[profile local]\n" +
			"role_arn = " + roleARN(accountOne, "local-account-access") + "\n" +
			"web_identity_token_file = " + tokenFile + "\n" +
			"role_session_name = pod\n\n" +
			"[profile remote]\n" +
			"role_arn = " + roleARN(accountTwo, "remote-account-access") + "\n" +
			"source_profile = local\n" +
			"role_session_name = cross\n"
		if err := os.MkdirAll(filepath.Dir(cfgPath), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return env
	}

	t.Run("cross-account-sts namespace", func(t *testing.T) {
		env := profiles(t, "cross-account-sts")
		var id callerIdentity
		mustAWSCLI(t, env, &id, "sts", "get-caller-identity", "--profile", "remote")
		if want := assumedRoleARN(accountTwo, "remote-account-access", "cross"); id.Arn != want {
			t.Fatalf("Arn = %q, want %q", id.Arn, want)
		}
	})
	t.Run("default namespace", func(t *testing.T) {
		env := profiles(t, "default")
		r := awsCLI(t, env, "sts", "get-caller-identity", "--profile", "remote")
		code, msg, ok := r.ServiceError()
		if r.Err == nil || !ok || code != "AccessDenied" || !strings.Contains(msg, "sts:AssumeRoleWithWebIdentity") {
			t.Fatalf("want AccessDenied for AssumeRoleWithWebIdentity, got %v %s %q\n%s", r.Err, code, msg, r.Stderr)
		}
	})
}
