package helm

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/yaml"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

var update = flag.Bool("update", false, "rewrite the golden renderings in testdata/")

// namespace is the release namespace of every rendering.
const namespace = "trustbridge"

func chartDir() string { return filepath.Join(testbed.RepoRoot(), "deploy", "helm", "trustbridge") }

// render renders the chart as `helm template tb deploy/helm/trustbridge
// -n trustbridge` would, with vals as the user-supplied values.
func render(t *testing.T, vals map[string]any) (string, error) {
	t.Helper()
	ch, err := loader.Load(chartDir())
	if err != nil {
		t.Fatal(err)
	}
	inst := action.NewInstall(&action.Configuration{})
	inst.DryRun, inst.ClientOnly, inst.Replace = true, true, true
	inst.ReleaseName, inst.Namespace = "tb", namespace
	inst.KubeVersion = &chartutil.KubeVersion{Version: "v1.32.4", Major: "1", Minor: "32"}
	rel, err := inst.Run(ch, vals)
	if err != nil {
		return "", err
	}
	return rel.Manifest, nil
}

var webhookTLS = map[string]any{"enabled": true, "tls": map[string]any{"existingSecret": "tb-webhook-tls", "caBundle": "Y2E="}}

// valueSet is one set of user values. Golden sets are deterministic and
// compared with testdata/NAME.yaml.
type valueSet struct {
	name   string
	vals   map[string]any
	golden bool
}

// valueSets are the sets the deployment issue names, plus a key ring made
// by `trustbridge key generate --out -` (when ring is non-empty) and the
// cert-manager path.
func valueSets(ring string) []valueSet {
	sets := []valueSet{
		{"defaults", map[string]any{}, true},
		{"postgres-3-replicas", map[string]any{
			"server":      map[string]any{"replicas": 3},
			"store":       map[string]any{"type": "postgres", "postgres": map[string]any{"existingSecret": "tb-postgres"}},
			"serverKey":   map[string]any{"existingSecret": "tb-server-key"},
			"clusterName": "prod",
			"webhook":     webhookTLS,
		}, true},
		{"webhook-provided-secret", map[string]any{
			"clusterName": "kind",
			"webhook":     mergeMaps(webhookTLS, map[string]any{"injectEndpoint": "http://tb-trustbridge.trustbridge.svc:4577"}),
			"server":      map[string]any{"config": map[string]any{"audit-log": "-"}},
		}, true},
		{"agent", map[string]any{
			"clusterName": "kind",
			"agent":       map[string]any{"enabled": true, "credentialsSecret": "node-creds", "region": "us-east-1"},
		}, true},
		{"cert-manager", map[string]any{
			"clusterName": "kind",
			"webhook": map[string]any{"enabled": true,
				"certManager": map[string]any{"enabled": true, "issuerRef": map[string]any{"name": "ca", "kind": "ClusterIssuer"}}},
		}, true},
	}
	if ring != "" {
		sets = append(sets, valueSet{"postgres-key-ring", map[string]any{
			"server":    map[string]any{"replicas": 2},
			"store":     map[string]any{"type": "postgres", "postgres": map[string]any{"existingSecret": "tb-postgres"}},
			"serverKey": map[string]any{"ring": ring},
		}, false})
	}
	return sets
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// objects splits a rendering into its objects (comments and empty
// documents dropped).
func objects(t *testing.T, manifest string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(manifest, -1) {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("rendered YAML does not parse: %v\n%s", err, doc)
		}
		if len(obj) > 0 {
			out = append(out, obj)
		}
	}
	return out
}

func kinds(objs []map[string]any) []string {
	var k []string
	for _, o := range objs {
		k = append(k, o["kind"].(string))
	}
	sort.Strings(k)
	return k
}

func TestLint(t *testing.T) {
	for _, vs := range valueSets("") {
		res := action.NewLint().Run([]string{chartDir()}, vs.vals)
		for _, m := range res.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("%s: lint: %s", vs.name, m)
			}
		}
		if len(res.Errors) > 0 {
			t.Errorf("%s: lint errors: %v", vs.name, res.Errors)
		}
	}
	ch, err := loader.Load(chartDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Validate(); err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.APIVersion != "v2" || ch.Metadata.Type != "application" || ch.Metadata.AppVersion == "" || ch.Schema == nil {
		t.Fatalf("chart metadata: %+v, schema %d bytes", ch.Metadata, len(ch.Schema))
	}
}

func TestRenderFailures(t *testing.T) {
	for _, c := range []struct {
		name string
		vals map[string]any
		want string
	}{
		{"replicas with sqlite", map[string]any{"server": map[string]any{"replicas": 2}}, "server.replicas > 1 needs store.type=postgres"},
		{"postgres without dsn", map[string]any{"store": map[string]any{"type": "postgres"}, "serverKey": map[string]any{"existingSecret": "k"}}, "needs store.postgres.existingSecret"},
		{"postgres without key", map[string]any{"store": map[string]any{"type": "postgres", "postgres": map[string]any{"existingSecret": "x"}}}, "needs serverKey.existingSecret or serverKey.ring"},
		{"two keys", map[string]any{"serverKey": map[string]any{"existingSecret": "k", "ring": "{}"}}, "not both"},
		{"webhook without cluster", map[string]any{"webhook": webhookTLS}, "clusterName is required"},
		{"agent without cluster", map[string]any{"agent": map[string]any{"enabled": true}}, "clusterName is required"},
		{"webhook without cert", map[string]any{"clusterName": "c", "webhook": map[string]any{"enabled": true}}, "webhook.tls.existingSecret"},
		{"webhook secret without CA", map[string]any{"clusterName": "c", "webhook": map[string]any{"enabled": true, "tls": map[string]any{"existingSecret": "s"}}}, "needs webhook.tls.caBundle"},
		{"cert-manager without issuer", map[string]any{"clusterName": "c", "webhook": map[string]any{"enabled": true, "certManager": map[string]any{"enabled": true}}}, "issuerRef"},
		{"unknown value", map[string]any{"serverr": map[string]any{}}, "serverr"},
		{"bad store type", map[string]any{"store": map[string]any{"type": "mysql"}}, "store.type"},
		{"zero replicas", map[string]any{"server": map[string]any{"replicas": 0}}, "replicas"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := render(t, c.vals); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
}

// TestRenderings compares the deterministic renderings with their golden
// files and checks the properties the issues require of each.
func TestRenderings(t *testing.T) {
	for _, vs := range valueSets("") {
		t.Run(vs.name, func(t *testing.T) {
			out, err := render(t, vs.vals)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", vs.name+".yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want, err := os.ReadFile(golden); err != nil || string(want) != out {
				t.Errorf("rendering differs from %s (go test ./helm -run TestRenderings -update): %v\n%s", golden, err, out)
			}
			objs := objects(t, out)
			for _, o := range objs {
				md := o["metadata"].(map[string]any)
				switch o["kind"] {
				case "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "CustomResourceDefinition":
				case "Role", "RoleBinding":
					if md["namespace"] != "kube-system" {
						t.Errorf("%s %s in %v", o["kind"], md["name"], md["namespace"])
					}
				default:
					if md["namespace"] != namespace {
						t.Errorf("%s %s has namespace %v, want the release's", o["kind"], md["name"], md["namespace"])
					}
				}
			}
			checkRendering(t, vs.name, out, kinds(objs))
		})
	}
}

func checkRendering(t *testing.T, name, out string, kinds []string) {
	has := func(s string) bool { return strings.Contains(out, s) }
	must := func(ss ...string) {
		t.Helper()
		for _, s := range ss {
			if !has(s) {
				t.Errorf("rendering lacks %q", s)
			}
		}
	}
	mustNot := func(ss ...string) {
		t.Helper()
		for _, s := range ss {
			if has(s) {
				t.Errorf("rendering has %q", s)
			}
		}
	}
	// Every rendering: the image defaults to the chart's appVersion.
	must("image: ghcr.io/trustbridge/trustbridge:0.1.0")
	switch name {
	case "defaults":
		if got := strings.Join(kinds, ","); got != "ConfigMap,Deployment,PersistentVolumeClaim,Service,ServiceAccount" {
			t.Errorf("kinds %s", got)
		}
		must("replicas: 1", "type: Recreate", "--data-dir=/var/lib/trustbridge", "claimName: tb-trustbridge-data", "runAsNonRoot: true")
		mustNot("--server-key-file", "--webhook-addr", "TRUSTBRIDGE_STORE")
	case "postgres-3-replicas":
		must("replicas: 3", "name: TRUSTBRIDGE_STORE", "secretKeyRef: {name: tb-postgres, key: dsn}",
			"--server-key-file=/etc/trustbridge/key/server-key.json", "secretName: tb-server-key",
			"- webhook\n", "name: tb-trustbridge-webhook", "app.kubernetes.io/component: webhook")
		mustNot("PersistentVolumeClaim", "--data-dir", "Recreate", "--store", "--webhook-addr")
	case "webhook-provided-secret":
		must("--webhook-addr=0.0.0.0:9443", "--cluster=kind", "secretName: tb-webhook-tls", "caBundle: Y2E=",
			"key: eks.amazonaws.com/skip-pod-identity-webhook, operator: DoesNotExist",
			"key: kubernetes.io/metadata.name, operator: NotIn, values: [trustbridge]",
			"--inject-endpoint=http://tb-trustbridge.trustbridge.svc:4577",
			"resources: [serviceaccounts]", "resources: [configmaps]", "namespace: kube-system",
			"--config=/etc/trustbridge/config/serve.yaml", "serve.yaml: \"audit-log: '-'\"")
		mustNot("cert-manager", "- webhook\n")
	case "agent":
		must("kind: DaemonSet", "hostNetwork: true", "ip addr add 169.254.170.23/32 dev lo",
			"ip -6 addr add fd00:ec2::23/128 dev lo", "add: [NET_ADMIN]", "--addr=169.254.170.23:80", "--addr=[fd00:ec2::23]:80", "add: [NET_BIND_SERVICE]",
			"--endpoint=http://tb-trustbridge.trustbridge.svc:4577", "--region=us-east-1", "secretRef: {name: node-creds}")
	case "cert-manager":
		must("kind: Certificate", "secretName: tb-trustbridge-webhook-tls", "cert-manager.io/inject-ca-from: trustbridge/tb-trustbridge-webhook",
			"- tb-trustbridge-webhook.trustbridge.svc\n", "kind: ClusterIssuer")
		mustNot("caBundle")
	}
}

// TestAgentIPv4Only: with agent.ipv6=false neither the init container nor
// the agent touches fd00:ec2::23 (the agent fails on an address it cannot bind).
func TestAgentIPv4Only(t *testing.T) {
	out, err := render(t, map[string]any{"clusterName": "c", "agent": map[string]any{"enabled": true, "ipv6": false}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "ip -6") || strings.Contains(out, "--addr=[fd00:ec2::23]") || !strings.Contains(out, "--addr=169.254.170.23:80") {
		t.Fatalf("IPv4-only agent rendering:\n%s", out)
	}
}

// generateRing runs the real `trustbridge key generate --out -`.
func generateRing(t *testing.T) string {
	t.Helper()
	bin := testbed.BuildTrustbridge(t)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "key", "generate", "--out", "-")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("trustbridge key generate: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

// TestServerSideDryRun applies every value set's rendering to one real
// kube-apiserver with `kubectl apply --dry-run=server`. The cert-manager
// set runs against a minimal Certificate CRD installed for real
// (testdata/certificate-crd.yaml).
func TestServerSideDryRun(t *testing.T) {
	ring := generateRing(t)
	c := testbed.Start(t, testbed.Options{})
	if err := c.EnsureNamespace(context.Background(), namespace); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Kubectl(t, "apply", "-f", filepath.Join("testdata", "certificate-crd.yaml")); err != nil {
		t.Fatalf("install the Certificate CRD: %v\n%s", err, out)
	}
	if out, err := c.Kubectl(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/certificates.cert-manager.io"); err != nil {
		t.Fatalf("Certificate CRD not established: %v\n%s", err, out)
	}
	for _, vs := range valueSets(ring) {
		t.Run(vs.name, func(t *testing.T) {
			out, err := render(t, vs.vals)
			if err != nil {
				t.Fatal(err)
			}
			objs := objects(t, out)
			if vs.name == "postgres-key-ring" {
				checkRingSecret(t, objs, ring)
			}
			f := filepath.Join(t.TempDir(), "manifest.yaml")
			if err := os.WriteFile(f, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := c.Kubectl(t, "apply", "--dry-run=server", "-f", f)
			if err != nil {
				t.Fatalf("%v\n%s\n---\n%s", err, res, out)
			}
			if n := strings.Count(res, "(server dry run)"); n != len(objs) {
				t.Fatalf("%d of %d objects passed:\n%s", n, len(objs), res)
			}
			t.Logf("\n%s", res)
		})
	}
}

// checkRingSecret checks that the chart's server key Secret holds exactly
// the ring `trustbridge key generate` wrote, under the file name the
// Deployment passes to --server-key-file.
func checkRingSecret(t *testing.T, objs []map[string]any, ring string) {
	t.Helper()
	for _, o := range objs {
		if o["kind"] != "Secret" {
			continue
		}
		data := o["data"].(map[string]any)
		b, err := base64.StdEncoding.DecodeString(data["server-key.json"].(string))
		if err != nil || string(b) != ring {
			t.Fatalf("server key Secret does not hold the generated ring (%v)", err)
		}
		return
	}
	t.Fatal("no server key Secret")
}
