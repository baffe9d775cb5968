package testbed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/trustbridge/trustbridge/test/e2e/testbed/internal/argv"
)

// kubectlTimeout bounds one kubectl invocation.
const kubectlTimeout = 2 * time.Minute

// KubectlPath returns the kubectl binary the Kubectl methods run: $KUBECTL
// if set, else /usr/bin/kubectl (kubectl 1.32 on the project's machines).
func KubectlPath() string {
	if p := os.Getenv("KUBECTL"); p != "" {
		return p
	}
	return "/usr/bin/kubectl"
}

// Kubectl runs kubectl as the cluster administrator (c.Kubeconfig) and
// returns its standard output. On failure the error carries kubectl's exit
// status and standard error. t may be nil (in TestMain); otherwise the
// command is also bounded by t.Context().
func (c *Cluster) Kubectl(t testing.TB, args ...string) (string, error) {
	if t != nil {
		t.Helper()
	}
	return c.KubectlWithKubeconfig(t, c.Kubeconfig, args...)
}

// KubectlAs runs kubectl authenticating with nothing but the bearer token
// (from a temporary kubeconfig, so the token never appears in a process
// argument list), for example a token trustbridge's TokenReview webhook
// should accept.
func (c *Cluster) KubectlAs(t testing.TB, token string, args ...string) (string, error) {
	if t != nil {
		t.Helper()
	}
	f, err := os.CreateTemp(c.Dir, "token-*.kubeconfig")
	if err != nil {
		return "", fmt.Errorf("create token kubeconfig: %w", err)
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)
	if err := c.WriteKubeconfig(path, clientcmdapi.AuthInfo{Token: token}); err != nil {
		return "", err
	}
	return c.KubectlWithKubeconfig(t, path, args...)
}

// KubectlWithKubeconfig runs kubectl with the given kubeconfig, for
// example c.AnonymousKubeconfig together with "--token=...", or one written
// by WriteKubeconfig. Values of --token flags are redacted from the error.
func (c *Cluster) KubectlWithKubeconfig(t testing.TB, kubeconfig string, args ...string) (string, error) {
	if t != nil {
		t.Helper()
	}
	ctx := context.Background()
	if t != nil {
		ctx = t.Context()
	}
	ctx, cancel := context.WithTimeout(ctx, kubectlTimeout)
	defer cancel()
	full := append([]string{
		"--kubeconfig=" + kubeconfig,
		// Keep the discovery cache out of $HOME.
		"--cache-dir=" + filepath.Join(c.Dir, "kubectl-cache"),
	}, args...)
	cmd := exec.CommandContext(ctx, KubectlPath(), full...)
	cmd.Env = withoutEnv(os.Environ(), "KUBECONFIG")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s",
			strings.Join(argv.Redact(args), " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
