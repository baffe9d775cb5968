// Package deploy checks the manifests under deploy/ against a real
// kube-apiserver: every object must pass server-side dry-run validation,
// and the kube-apiserver webhook kubeconfigs must parse.
package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

func TestManifestsPassServerSideDryRun(t *testing.T) {
	c := testbed.Start(t, testbed.Options{})
	dir := filepath.Join(testbed.RepoRoot(), "deploy", "kubernetes")
	// The namespace is created for real: dry-run objects need it to exist.
	if err := c.EnsureNamespace(context.Background(), "trustbridge"); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) < 4 {
		t.Fatalf("manifests: %v %v", files, err)
	}
	for _, f := range files {
		out, err := c.Kubectl(t, "apply", "--dry-run=server", "-f", f)
		if err != nil {
			t.Errorf("%s: %v\n%s", filepath.Base(f), err, out)
			continue
		}
		if !strings.Contains(out, "(server dry run)") {
			t.Errorf("%s: not a server dry run:\n%s", filepath.Base(f), out)
		}
		t.Logf("%s:\n%s", filepath.Base(f), out)
	}
}

func TestAPIServerWebhookConfigs(t *testing.T) {
	for _, name := range []string{"authn-webhook.kubeconfig", "authz-webhook.kubeconfig"} {
		path := filepath.Join(testbed.RepoRoot(), "deploy", "kube-apiserver", name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := clientcmd.Load(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := "/authenticate"
		if strings.HasPrefix(name, "authz") {
			want = "/authorize"
		}
		if c := cfg.Clusters["trustbridge"]; c == nil || !strings.HasSuffix(c.Server, want) {
			t.Fatalf("%s: cluster %+v", name, cfg.Clusters)
		}
	}
}
