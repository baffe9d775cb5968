package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	testCluster = "dev"
	testRole    = "arn:aws:iam::111122223333:role/app"
	podIDRole   = "arn:aws:iam::111122223333:role/pod-identity-app"
)

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// sa returns a ServiceAccount in namespace "apps" with the given
// annotations (keys without the prefix get "eks.amazonaws.com/").
func sa(name string, ann ...string) *corev1.ServiceAccount {
	o := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps", Annotations: map[string]string{}}}
	for i := 0; i+1 < len(ann); i += 2 {
		k := ann[i]
		if !strings.Contains(k, "/") {
			k = "eks.amazonaws.com/" + k
		}
		o.Annotations[k] = ann[i+1]
	}
	return o
}

// podJSON converts a YAML Pod fixture to JSON.
func podJSON(t testing.TB, y string) []byte {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return j
}

const basicPod = `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  containers:
  - name: app
    image: public.ecr.aws/docker/library/busybox
`

// mutateCase is one golden fixture: a Pod, the ServiceAccounts and
// associations in the cluster, the configuration, and what to expect.
type mutateCase struct {
	name      string
	cfg       func(*Config)
	sas       []*corev1.ServiceAccount
	assoc     map[string]string // "namespace/sa" -> role
	namespace string            // AdmissionRequest namespace; default "apps"
	pod       string
	wantMode  Mode
	wantWarn  []string // substrings, one per expected warning
	// check inspects the patched Pod.
	check func(t *testing.T, pod *corev1.Pod)
}

func mutateCases() []mutateCase {
	return []mutateCase{
		{
			name: "irsa-basic", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: basicPod, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 86400, "token")
				wantMount(t, p.Spec.Containers[0], "aws-iam-token", "/var/run/secrets/eks.amazonaws.com/serviceaccount")
			},
		},
		{
			name: "irsa-appends-to-existing-env-mounts-volumes", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  volumes:
  - name: data
    emptyDir: {}
  containers:
  - name: app
    image: busybox
    env:
    - {name: LOG_LEVEL, value: debug}
    volumeMounts:
    - {name: data, mountPath: /data}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "LOG_LEVEL=debug", "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
				if len(p.Spec.Volumes) != 2 || p.Spec.Volumes[0].Name != "data" {
					t.Errorf("volumes = %+v", p.Spec.Volumes)
				}
			},
		},
		{
			name: "irsa-all-serviceaccount-annotations",
			cfg:  func(c *Config) { c.DefaultRegion = "eu-west-1" },
			sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "audience", "sts.example.internal",
				"sts-regional-endpoints", "true", "token-expiration", "3600")},
			pod: basicPod, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_STS_REGIONAL_ENDPOINTS=regional", "AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=eu-west-1",
					"AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
				wantVolume(t, p, "aws-iam-token", "sts.example.internal", 3600, "token")
			},
		},
		{
			name: "irsa-pod-expiration-overrides-serviceaccount",
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "3600")},
			pod: `
metadata: {name: web, namespace: apps, annotations: {eks.amazonaws.com/token-expiration: "7200"}}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 7200, "token")
			},
		},
		{
			name: "irsa-expiration-not-a-number", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "abc")},
			pod: basicPod, wantMode: ModeIRSA, wantWarn: []string{`serviceaccount annotation eks.amazonaws.com/token-expiration="abc": not an integer number of seconds; using 86400`},
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 86400, "token")
			},
		},
		{
			name: "irsa-expiration-negative",
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps, annotations: {eks.amazonaws.com/token-expiration: "-5"}}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA, wantWarn: []string{`pod annotation eks.amazonaws.com/token-expiration="-5": below the minimum of 600 seconds; using 600`},
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 600, "token")
			},
		},
		{
			name: "irsa-expiration-below-minimum", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "300")},
			pod: basicPod, wantMode: ModeIRSA, wantWarn: []string{"below the minimum"},
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 600, "token")
			},
		},
		{
			name: "irsa-expiration-above-maximum", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "99999999999")},
			pod: basicPod, wantMode: ModeIRSA, wantWarn: []string{"above the maximum of 4294967296 seconds"},
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 4294967296, "token")
			},
		},
		{
			name: "irsa-expiration-minimum-exact", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "600")},
			pod: basicPod, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 600, "token")
			},
		},
		{
			name: "irsa-regional-sts-invalid", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "sts-regional-endpoints", "yes")},
			pod: basicPod, wantMode: ModeIRSA, wantWarn: []string{`sts-regional-endpoints="yes": not a boolean; using false`},
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
			},
		},
		{
			name: "irsa-regional-sts-default-on-annotation-off",
			cfg:  func(c *Config) { c.RegionalSTS = true },
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "sts-regional-endpoints", "false"), sa("other", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
			},
		},
		{
			name: "irsa-regional-sts-default-on",
			cfg:  func(c *Config) { c.RegionalSTS = true },
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod:  basicPod, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_STS_REGIONAL_ENDPOINTS=regional", "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
			},
		},
		{
			name: "irsa-empty-audience-uses-default", sas: []*corev1.ServiceAccount{sa("app", "role-arn", " "+testRole+" ", "audience", "")},
			pod: basicPod, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "sts.amazonaws.com", 86400, "token")
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
			},
		},
		{
			name: "irsa-skip-containers",
			cfg:  func(c *Config) { c.DefaultRegion = "us-east-2" },
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps, annotations: {eks.amazonaws.com/skip-containers: "istio-proxy, init-db ,"}}
spec:
  serviceAccountName: app
  initContainers: [{name: init-db, image: busybox}]
  containers: [{name: app, image: busybox}, {name: istio-proxy, image: istio}]
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_DEFAULT_REGION=us-east-2", "AWS_REGION=us-east-2", "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
				wantEnv(t, p.Spec.Containers[1])
				wantEnv(t, p.Spec.InitContainers[0])
				if len(p.Spec.Containers[1].VolumeMounts) != 0 || len(p.Spec.InitContainers[0].VolumeMounts) != 0 {
					t.Error("skipped container got a mount")
				}
			},
		},
		{
			name: "irsa-all-containers-skipped", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps, annotations: {eks.amazonaws.com/skip-containers: app}}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				if len(p.Spec.Volumes) != 0 {
					t.Error("volume added though no container mounts it")
				}
			},
		},
		{
			name: "irsa-skip-label", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps, labels: {eks.amazonaws.com/skip-pod-identity-webhook: "true"}}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeNone,
		},
		{
			name: "irsa-existing-web-identity-variable",
			cfg:  func(c *Config) { c.DefaultRegion = "eu-central-1" },
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  containers:
  - name: app
    image: busybox
    env: [{name: AWS_WEB_IDENTITY_TOKEN_FILE, value: /custom/token}]
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_WEB_IDENTITY_TOKEN_FILE=/custom/token", "AWS_DEFAULT_REGION=eu-central-1", "AWS_REGION=eu-central-1")
				wantMount(t, p.Spec.Containers[0], "aws-iam-token", "/var/run/secrets/eks.amazonaws.com/serviceaccount")
			},
		},
		{
			name: "irsa-existing-role-variable-and-region",
			cfg:  func(c *Config) { c.DefaultRegion = "eu-central-1"; c.RegionalSTS = true },
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  containers:
  - name: app
    image: busybox
    env:
    - {name: AWS_ROLE_ARN, value: "arn:aws:iam::999999999999:role/mine"}
    - {name: AWS_REGION, value: ap-south-1}
    - {name: AWS_STS_REGIONAL_ENDPOINTS, value: legacy}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN=arn:aws:iam::999999999999:role/mine", "AWS_REGION=ap-south-1", "AWS_STS_REGIONAL_ENDPOINTS=legacy")
			},
		},
		{
			name: "irsa-already-injected", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  volumes:
  - name: aws-iam-token
    projected: {sources: [{serviceAccountToken: {audience: sts.amazonaws.com, expirationSeconds: 86400, path: token}}]}
  containers:
  - name: app
    image: busybox
    env:
    - {name: AWS_ROLE_ARN, value: "arn:aws:iam::111122223333:role/app"}
    - {name: AWS_WEB_IDENTITY_TOKEN_FILE, value: /var/run/secrets/eks.amazonaws.com/serviceaccount/token}
    volumeMounts:
    - {name: aws-iam-token, mountPath: /var/run/secrets/eks.amazonaws.com/serviceaccount, readOnly: true}
`, wantMode: ModeIRSA,
		},
		{
			name: "irsa-existing-volume-without-mount", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  volumes:
  - name: aws-iam-token
    projected: {sources: [{serviceAccountToken: {audience: custom, expirationSeconds: 1000, path: token}}]}
  containers: [{name: app, image: busybox}]
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantVolume(t, p, "aws-iam-token", "custom", 1000, "token")
				wantMount(t, p.Spec.Containers[0], "aws-iam-token", "/var/run/secrets/eks.amazonaws.com/serviceaccount")
			},
		},
		{
			name: "irsa-mount-path-taken", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  volumes: [{name: mine, emptyDir: {}}]
  containers:
  - name: app
    image: busybox
    volumeMounts: [{name: mine, mountPath: /var/run/secrets/eks.amazonaws.com/serviceaccount/}]
`, wantMode: ModeIRSA, wantWarn: []string{`container "app" already mounts another volume at /var/run/secrets/eks.amazonaws.com/serviceaccount; aws-iam-token not mounted`},
			check: func(t *testing.T, p *corev1.Pod) {
				if len(p.Spec.Volumes) != 1 || len(p.Spec.Containers[0].VolumeMounts) != 1 {
					t.Errorf("volumes %v mounts %v", p.Spec.Volumes, p.Spec.Containers[0].VolumeMounts)
				}
			},
		},
		{
			name: "irsa-init-containers-and-sidecars", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  initContainers:
  - {name: migrate, image: busybox, env: [{name: A, value: b}]}
  - {name: log-shipper, image: fluent-bit, restartPolicy: Always}
  containers:
  - {name: app, image: busybox}
  - {name: worker, image: busybox, volumeMounts: [{name: scratch, mountPath: /tmp}]}
  volumes: [{name: scratch, emptyDir: {}}]
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				all := append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...)
				for _, c := range all {
					wantMount(t, c, "aws-iam-token", "/var/run/secrets/eks.amazonaws.com/serviceaccount")
					if envValue(c, "AWS_ROLE_ARN") != testRole {
						t.Errorf("container %s: no AWS_ROLE_ARN", c.Name)
					}
				}
				if p.Spec.InitContainers[1].RestartPolicy == nil || *p.Spec.InitContainers[1].RestartPolicy != corev1.ContainerRestartPolicyAlways {
					t.Error("sidecar restartPolicy lost")
				}
			},
		},
		{
			name: "irsa-windows", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  nodeSelector: {kubernetes.io/os: windows}
  containers: [{name: app, image: mcr.microsoft.com/windows/servercore}]
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, `AWS_WEB_IDENTITY_TOKEN_FILE=C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`)
				wantMount(t, p.Spec.Containers[0], "aws-iam-token", "/var/run/secrets/eks.amazonaws.com/serviceaccount")
			},
		},
		{
			name: "irsa-windows-beta-label", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  nodeSelector: {beta.kubernetes.io/os: windows}
  containers: [{name: app, image: mcr.microsoft.com/windows/servercore}]
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, `AWS_WEB_IDENTITY_TOKEN_FILE=C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`)
			},
		},
		{
			name: "irsa-linux-node-selector", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec: {serviceAccountName: app, nodeSelector: {kubernetes.io/os: linux}, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
			},
		},
		{
			name: "irsa-inject-endpoint",
			cfg:  func(c *Config) { c.InjectEndpoint = "https://trustbridge.local:8443" },
			sas:  []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  containers:
  - {name: app, image: busybox}
  - {name: local, image: busybox, env: [{name: AWS_ENDPOINT_URL, value: "http://localstack:4566"}]}
  - {name: sts-set, image: busybox, env: [{name: AWS_ENDPOINT_URL_STS, value: "http://other"}]}
`, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				tok := "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, tok, "AWS_ENDPOINT_URL_STS=https://trustbridge.local:8443")
				wantEnv(t, p.Spec.Containers[1], "AWS_ENDPOINT_URL=http://localstack:4566", "AWS_ROLE_ARN="+testRole, tok)
				wantEnv(t, p.Spec.Containers[2], "AWS_ENDPOINT_URL_STS=http://other", "AWS_ROLE_ARN="+testRole, tok)
			},
		},
		{
			name: "irsa-custom-flags",
			cfg: func(c *Config) {
				c.AnnotationPrefix = "trustbridge.dev"
				c.DefaultAudience = "trustbridge"
				c.MountPath = "/var/run/secrets/trustbridge/"
				c.DefaultTokenExpiration = 1800
			},
			sas: []*corev1.ServiceAccount{sa("app", "trustbridge.dev/role-arn", testRole, "eks.amazonaws.com/token-expiration", "7200")},
			pod: basicPod, wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_ROLE_ARN="+testRole, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/trustbridge/token")
				wantVolume(t, p, "aws-iam-token", "trustbridge", 1800, "token")
				wantMount(t, p.Spec.Containers[0], "aws-iam-token", "/var/run/secrets/trustbridge")
			},
		},
		{
			name: "irsa-other-prefix-ignored", sas: []*corev1.ServiceAccount{sa("app", "trustbridge.dev/role-arn", testRole)},
			pod: basicPod, wantMode: ModeNone,
		},
		{
			name: "irsa-default-serviceaccount", sas: []*corev1.ServiceAccount{sa("default", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec: {containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
		},
		{
			name: "irsa-deprecated-serviceaccount-field", sas: []*corev1.ServiceAccount{sa("legacy", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec: {serviceAccount: legacy, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
		},
		{
			name: "irsa-namespace-from-request-generate-name", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			namespace: "apps",
			pod: `
metadata: {generateName: web-7d4b9c-}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
		},
		{
			name: "irsa-request-namespace-wins", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			namespace: "apps",
			pod: `
metadata: {name: web, namespace: elsewhere}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeIRSA,
		},
		{
			name: "irsa-null-env-and-mounts", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `{"metadata":{"name":"web","namespace":"apps"},"spec":{"serviceAccountName":"app","volumes":null,` +
				`"containers":[{"name":"app","image":"busybox","env":null,"volumeMounts":[]}]}}`,
			wantMode: ModeIRSA,
			check: func(t *testing.T, p *corev1.Pod) {
				wantMount(t, p.Spec.Containers[0], "aws-iam-token", "/var/run/secrets/eks.amazonaws.com/serviceaccount")
			},
		},
		{
			name: "irsa-unknown-fields-preserved", sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod: `
metadata: {name: web, namespace: apps}
spec:
  serviceAccountName: app
  futureField: {keep: me}
  containers:
  - {name: app, image: busybox, futureContainerField: 42, env: [{name: X, value: "1", futureEnvField: true}]}
`, wantMode: ModeIRSA,
		},
		{
			name: "serviceaccount-without-role", sas: []*corev1.ServiceAccount{sa("app", "audience", "x")},
			pod: basicPod, wantMode: ModeNone,
		},
		{
			name: "serviceaccount-not-found", pod: basicPod, wantMode: ModeNone,
		},
		{
			name: "pod-identity-basic", assoc: map[string]string{"apps/app": podIDRole},
			pod: basicPod, wantMode: ModePodIdentity,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials",
					"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")
				wantVolume(t, p, "eks-pod-identity-token", "pods.eks.amazonaws.com", 86400, "eks-pod-identity-token")
				wantMount(t, p.Spec.Containers[0], "eks-pod-identity-token", "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount")
			},
		},
		{
			name:  "pod-identity-wins-over-irsa",
			sas:   []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "abc")},
			assoc: map[string]string{"apps/app": podIDRole},
			pod:   basicPod, wantMode: ModePodIdentity,
			check: func(t *testing.T, p *corev1.Pod) {
				if envValue(p.Spec.Containers[0], "AWS_ROLE_ARN") != "" || len(p.Spec.Volumes) != 1 {
					t.Error("IRSA injected alongside Pod Identity")
				}
			},
		},
		{
			name:  "pod-identity-other-serviceaccount-uses-irsa",
			sas:   []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			assoc: map[string]string{"apps/other": podIDRole, "other-ns/app": podIDRole},
			pod:   basicPod, wantMode: ModeIRSA,
		},
		{
			name: "pod-identity-loopback-uri-region-skip",
			cfg: func(c *Config) {
				c.PodIdentityURI = "http://127.0.0.1:2703/v1/credentials"
				c.DefaultRegion = "us-west-2"
			},
			assoc: map[string]string{"apps/app": podIDRole},
			pod: `
metadata: {name: web, namespace: apps, annotations: {eks.amazonaws.com/skip-containers: envoy}}
spec:
  serviceAccountName: app
  containers:
  - {name: app, image: busybox, env: [{name: AWS_REGION, value: ap-northeast-1}]}
  - {name: envoy, image: envoy}
  - {name: preset, image: busybox, env: [{name: AWS_CONTAINER_CREDENTIALS_FULL_URI, value: "http://mine"}]}
`, wantMode: ModePodIdentity,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_REGION=ap-northeast-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:2703/v1/credentials",
					"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")
				wantEnv(t, p.Spec.Containers[1])
				wantEnv(t, p.Spec.Containers[2], "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://mine", "AWS_DEFAULT_REGION=us-west-2", "AWS_REGION=us-west-2")
			},
		},
		{
			name:  "pod-identity-inject-endpoint-not-needed",
			cfg:   func(c *Config) { c.InjectEndpoint = "https://trustbridge.local:8443" },
			assoc: map[string]string{"apps/app": podIDRole},
			pod:   basicPod, wantMode: ModePodIdentity,
			check: func(t *testing.T, p *corev1.Pod) {
				if envValue(p.Spec.Containers[0], "AWS_ENDPOINT_URL_STS") != "" {
					t.Error("endpoint injected for Pod Identity")
				}
			},
		},
		{
			name: "pod-identity-windows", assoc: map[string]string{"apps/app": podIDRole},
			pod: `
metadata: {name: web, namespace: apps}
spec: {serviceAccountName: app, nodeSelector: {kubernetes.io/os: windows}, containers: [{name: app, image: servercore}]}
`, wantMode: ModePodIdentity,
			check: func(t *testing.T, p *corev1.Pod) {
				wantEnv(t, p.Spec.Containers[0], "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials",
					`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=C:\var\run\secrets\pods.eks.amazonaws.com\serviceaccount\eks-pod-identity-token`)
			},
		},
		{
			name: "pod-identity-skip-label", assoc: map[string]string{"apps/app": podIDRole},
			pod: `
metadata: {name: web, namespace: apps, labels: {eks.amazonaws.com/skip-pod-identity-webhook: ""}}
spec: {serviceAccountName: app, containers: [{name: app, image: busybox}]}
`, wantMode: ModeNone,
		},
	}
}

func newTestMutator(t testing.TB, tc mutateCase) *Mutator {
	t.Helper()
	cfg := Config{Cluster: testCluster}
	if tc.cfg != nil {
		tc.cfg(&cfg)
	}
	var assoc Associations
	if tc.assoc != nil {
		a := &StaticAssociations{}
		for k, role := range tc.assoc {
			ns, name, _ := strings.Cut(k, "/")
			a.Put(testCluster, ns, name, role)
		}
		a.Put("another-cluster", "apps", "app", "arn:aws:iam::111122223333:role/wrong-cluster")
		assoc = a
	}
	m, err := New(cfg, NewStaticServiceAccounts(tc.sas...), assoc, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMutatePodGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range mutateCases() {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.name] {
				t.Fatal("duplicate case name")
			}
			seen[tc.name] = true
			m := newTestMutator(t, tc)
			ns := tc.namespace
			if ns == "" {
				ns = "apps"
			}
			raw := podJSON(t, tc.pod)
			res, err := m.MutatePod(context.Background(), ns, raw)
			if err != nil {
				t.Fatalf("MutatePod: %v", err)
			}
			if res.Mode != tc.wantMode {
				t.Fatalf("mode = %s (%s), want %s", res.Mode, res.Reason, tc.wantMode)
			}
			if res.Mode == ModeNone && (res.Reason == "" || len(res.Patch) != 0) {
				t.Errorf("ModeNone with reason %q and %d operations", res.Reason, len(res.Patch))
			}
			if len(res.Warnings) != len(tc.wantWarn) {
				t.Errorf("warnings = %q, want %d", res.Warnings, len(tc.wantWarn))
			}
			for i, w := range tc.wantWarn {
				if i < len(res.Warnings) && !strings.Contains(res.Warnings[i], w) {
					t.Errorf("warning %q does not contain %q", res.Warnings[i], w)
				}
			}
			patch, err := json.MarshalIndent(res.Patch, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if res.Patch == nil {
				patch = []byte("[]")
			}
			patch = append(patch, '\n')
			golden(t, filepath.Join("testdata", "patches", tc.name+".json"), patch)

			patched := applyPatch(t, raw, res.Patch)
			var pod corev1.Pod
			if err := json.Unmarshal(patched, &pod); err != nil {
				t.Fatalf("patched pod: %v", err)
			}
			checkPodValid(t, &pod)
			if tc.check != nil {
				tc.check(t, &pod)
			}
			// Reinvocation adds nothing.
			again, err := m.MutatePod(context.Background(), ns, patched)
			if err != nil || len(again.Patch) != 0 {
				t.Errorf("second invocation: %v, patch %v", err, again.Patch)
			}
			// Unknown fields survive.
			if strings.Contains(tc.pod, "future") {
				for _, f := range []string{`"futureField":{"keep":"me"}`, `"futureContainerField":42`, `"futureEnvField":true`} {
					if !bytes.Contains(patched, []byte(f)) {
						t.Errorf("patched pod lost %s", f)
					}
				}
			}
		})
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// applyPatch applies ops with the JSONPatch library the kube-apiserver
// uses for admission patches, so a patch that applies here applies there.
func applyPatch(t *testing.T, doc []byte, ops []Operation) []byte {
	t.Helper()
	if len(ops) == 0 {
		return doc
	}
	b, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpatch.DecodePatch(b)
	if err != nil {
		t.Fatalf("decode patch: %v", err)
	}
	out, err := p.Apply(doc)
	if err != nil {
		t.Fatalf("apply patch: %v\n%s", err, b)
	}
	return out
}

// checkPodValid checks the invariants the API server's validation would
// enforce on what the webhook touches.
func checkPodValid(t *testing.T, p *corev1.Pod) {
	t.Helper()
	vols := map[string]bool{}
	for _, v := range p.Spec.Volumes {
		if vols[v.Name] {
			t.Errorf("duplicate volume %s", v.Name)
		}
		vols[v.Name] = true
		if pr := v.Projected; pr != nil {
			for _, s := range pr.Sources {
				if sat := s.ServiceAccountToken; sat != nil && sat.ExpirationSeconds != nil {
					if e := *sat.ExpirationSeconds; e < 600 || e > 1<<32 {
						t.Errorf("volume %s expirationSeconds %d out of range", v.Name, e)
					}
				}
			}
		}
	}
	for _, c := range append(slices.Clone(p.Spec.InitContainers), p.Spec.Containers...) {
		paths := map[string]bool{}
		for _, vm := range c.VolumeMounts {
			if !vols[vm.Name] {
				t.Errorf("container %s mounts missing volume %s", c.Name, vm.Name)
			}
			if paths[path.Clean(vm.MountPath)] {
				t.Errorf("container %s mounts %s twice", c.Name, vm.MountPath)
			}
			paths[path.Clean(vm.MountPath)] = true
			if (vm.Name == IRSAVolumeName || vm.Name == PodIdentityVolumeName) && !vm.ReadOnly {
				t.Errorf("container %s: token mount not read-only", c.Name)
			}
		}
	}
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// wantEnv checks the container's whole env, in order, as NAME=VALUE.
func wantEnv(t *testing.T, c corev1.Container, want ...string) {
	t.Helper()
	var got []string
	for _, e := range c.Env {
		got = append(got, e.Name+"="+e.Value)
	}
	if !slices.Equal(got, want) {
		t.Errorf("container %s env:\n got  %q\n want %q", c.Name, got, want)
	}
}

func wantMount(t *testing.T, c corev1.Container, name, mountPath string) {
	t.Helper()
	for _, vm := range c.VolumeMounts {
		if vm.Name == name {
			if vm.MountPath != mountPath || !vm.ReadOnly {
				t.Errorf("container %s mount %s = %+v", c.Name, name, vm)
			}
			return
		}
	}
	t.Errorf("container %s has no mount %s", c.Name, name)
}

func wantVolume(t *testing.T, p *corev1.Pod, name, audience string, expiration int64, tokenPath string) {
	t.Helper()
	for _, v := range p.Spec.Volumes {
		if v.Name != name {
			continue
		}
		if v.Projected == nil || len(v.Projected.Sources) != 1 || v.Projected.Sources[0].ServiceAccountToken == nil {
			t.Fatalf("volume %s is not a projected token: %+v", name, v)
		}
		sat := v.Projected.Sources[0].ServiceAccountToken
		if sat.Audience != audience || sat.ExpirationSeconds == nil || *sat.ExpirationSeconds != expiration || sat.Path != tokenPath {
			t.Errorf("volume %s token = {%s %v %s}, want {%s %d %s}", name, sat.Audience, *sat.ExpirationSeconds, sat.Path, audience, expiration, tokenPath)
		}
		return
	}
	t.Errorf("no volume %s in %v", name, p.Spec.Volumes)
}

func TestMutatePodErrors(t *testing.T) {
	lookupFail := errors.New("store unavailable")
	tests := []struct {
		name    string
		cfg     func(*Config)
		sas     []*corev1.ServiceAccount
		saErr   error
		assoc   bool
		asErr   error
		ns      string
		pod     string
		wantErr any // pointer to the error type expected
		wantMsg string
	}{
		{name: "not json", pod: `{"metadata":`, wantErr: new(*PodError), wantMsg: "malformed pod: unexpected end of JSON input"},
		{name: "wrong types", pod: `{"spec":{"containers":"nope"}}`, wantErr: new(*PodError)},
		{name: "no containers", pod: `{"metadata":{"name":"x"},"spec":{}}`, wantErr: new(*PodError), wantMsg: "malformed pod: spec.containers is empty"},
		{name: "no namespace", ns: "-", pod: `{"spec":{"containers":[{"name":"a"}]}}`, wantErr: new(*PodError), wantMsg: "malformed pod: no namespace in the request or the object"},
		{name: "serviceaccount lookup fails", saErr: lookupFail, pod: basicPod, wantErr: new(*LookupError), wantMsg: "look up serviceaccount: store unavailable"},
		{name: "association lookup fails", assoc: true, asErr: lookupFail, pod: basicPod, wantErr: new(*LookupError), wantMsg: "look up pod identity association: store unavailable"},
		{
			name: "strict expiration not a number", cfg: func(c *Config) { c.StrictAnnotations = true },
			sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", "abc")}, pod: basicPod,
			wantErr: new(*AnnotationError), wantMsg: `serviceaccount annotation eks.amazonaws.com/token-expiration="abc": not an integer number of seconds`,
		},
		{
			name: "strict expiration negative", cfg: func(c *Config) { c.StrictAnnotations = true },
			sas:     []*corev1.ServiceAccount{sa("app", "role-arn", testRole)},
			pod:     `{"metadata":{"annotations":{"eks.amazonaws.com/token-expiration":"-5"}},"spec":{"serviceAccountName":"app","containers":[{"name":"a"}]}}`,
			wantErr: new(*AnnotationError), wantMsg: `pod annotation eks.amazonaws.com/token-expiration="-5": below the minimum of 600 seconds`,
		},
		{
			name: "strict regional not a boolean", cfg: func(c *Config) { c.StrictAnnotations = true },
			sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "sts-regional-endpoints", "yes")}, pod: basicPod,
			wantErr: new(*AnnotationError),
		},
		{
			name: "strict role arn", cfg: func(c *Config) { c.StrictAnnotations = true },
			sas: []*corev1.ServiceAccount{sa("app", "role-arn", "my-role")}, pod: basicPod,
			wantErr: new(*AnnotationError), wantMsg: `serviceaccount annotation eks.amazonaws.com/role-arn="my-role": not an IAM role ARN`,
		},
		{
			name: "strict long value truncated", cfg: func(c *Config) { c.StrictAnnotations = true },
			sas: []*corev1.ServiceAccount{sa("app", "role-arn", testRole, "token-expiration", strings.Repeat("é", 100))}, pod: basicPod,
			wantErr: new(*AnnotationError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Cluster: testCluster}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			sas := NewStaticServiceAccounts(tt.sas...)
			sas.SetError(tt.saErr)
			var assoc Associations
			if tt.assoc {
				a := &StaticAssociations{}
				a.SetError(tt.asErr)
				assoc = a
			}
			m, err := New(cfg, sas, assoc, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			ns := tt.ns
			switch ns {
			case "":
				ns = "apps"
			case "-":
				ns = ""
			}
			_, err = m.MutatePod(context.Background(), ns, []byte(podJSONOrRaw(t, tt.pod)))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.As(err, tt.wantErr) {
				t.Errorf("error %T %v is not %T", err, err, tt.wantErr)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("error = %q, want %q", err, tt.wantMsg)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error too long: %d bytes", len(err.Error()))
			}
		})
	}
}

func podJSONOrRaw(t *testing.T, s string) string {
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		return s
	}
	return string(podJSON(t, s))
}

func TestConfig(t *testing.T) {
	d := Config{}.WithDefaults()
	if d.AnnotationPrefix != "eks.amazonaws.com" || d.DefaultAudience != "sts.amazonaws.com" ||
		d.MountPath != "/var/run/secrets/eks.amazonaws.com/serviceaccount" || d.DefaultRegion != "" ||
		d.DefaultTokenExpiration != 86400 || d.PodIdentityURI != "http://169.254.170.23/v1/credentials" ||
		d.InjectEndpoint != "" || d.DenyOnError || d.MaxBodyBytes != 4<<20 {
		t.Errorf("defaults: %+v", d)
	}
	bad := []struct {
		cfg  Config
		want string
	}{
		{Config{AnnotationPrefix: "a/b"}, "annotationPrefix"},
		{Config{MountPath: "relative"}, "mountPath"},
		{Config{DefaultTokenExpiration: 10}, "defaultTokenExpiration"},
		{Config{DefaultTokenExpiration: 1 << 40}, "defaultTokenExpiration"},
		{Config{PodIdentityURI: "169.254.170.23/v1"}, "podIdentityURI"},
		{Config{InjectEndpoint: "ftp://x"}, "injectEndpoint"},
	}
	for _, b := range bad {
		err := b.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%+v: %v, want mention of %s", b.cfg, err, b.want)
		}
		if _, err := New(b.cfg, NewStaticServiceAccounts(), nil, nil); err == nil {
			t.Errorf("New accepted %+v", b.cfg)
		}
	}
	if _, err := New(Config{}, nil, nil, nil); err == nil {
		t.Error("New without ServiceAccounts")
	}
	if _, err := New(Config{}, NewStaticServiceAccounts(), &StaticAssociations{}, nil); err == nil {
		t.Error("New with associations and no cluster")
	}
	if got := windowsPath("/var/run/x/token"); got != `C:\var\run\x\token` {
		t.Errorf("windowsPath = %s", got)
	}
	if got := truncate(strings.Repeat("é", 40)); !strings.HasSuffix(got, "...") || !strings.HasPrefix(got, "é") || len(got) > 67 {
		t.Errorf("truncate = %q", got)
	}
}

func TestAddFlags(t *testing.T) {
	var c Config
	var inf InformerConfig
	fs := pflag.NewFlagSet("webhook", pflag.ContinueOnError)
	AddFlags(fs, &c, &inf)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.WithDefaults() != (Config{}).WithDefaults() || inf.GracePeriod != DefaultGracePeriod {
		t.Errorf("defaults after parse: %+v %+v", c, inf)
	}
	err := fs.Parse([]string{"--annotation-prefix=trustbridge.dev", "--token-audience=tb", "--token-mount-path=/tb",
		"--token-expiration=3600", "--aws-default-region=eu-west-1", "--sts-regional-endpoint",
		"--pod-identity-credentials-uri=http://127.0.0.1:2703/v1/credentials", "--inject-endpoint=https://127.0.0.1:8443",
		"--deny-on-error", "--strict-annotations", "--service-account-lookup-grace-period=1s"})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{AnnotationPrefix: "trustbridge.dev", DefaultAudience: "tb", MountPath: "/tb", DefaultTokenExpiration: 3600,
		DefaultRegion: "eu-west-1", RegionalSTS: true, PodIdentityURI: "http://127.0.0.1:2703/v1/credentials",
		InjectEndpoint: "https://127.0.0.1:8443", DenyOnError: true, StrictAnnotations: true}
	if c != want || inf.GracePeriod != time.Second {
		t.Errorf("parsed:\n got  %+v\n want %+v\n grace %v", c, want, inf.GracePeriod)
	}
}
