package eks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// live is the EKS service behind trustbridge's real edge and SigV4
// authenticator, with a root access key for the test account.
type live struct {
	*env
	url         string
	key, secret string
}

func newLive(t *testing.T) *live {
	t.Helper()
	e := newEnv(t)
	ring, err := serverkey.Generate()
	must(t, err)
	// The authenticator needs secrets opened from the store.
	e.cache = storecache.New(e.st, storecache.Options{Now: func() time.Time { return fixedNow },
		OpenSecret: func(id string, sealed []byte) (string, error) {
			b, err := ring.OpenSecret(sealed, []byte(id))
			return string(b), err
		}})
	e.svc.Cache, e.svc.Authz.Cache = e.cache, e.cache
	l := &live{env: e, key: awsid.NewAccessKeyID("AKIA", acct), secret: awsid.NewSecretAccessKey()}
	sealed, err := ring.SealSecret([]byte(l.secret), []byte(l.key))
	must(t, err)
	must(t, e.st.CreateAccessKey(context.Background(), store.AccessKey{AccessKeyID: l.key, Account: acct, SecretCiphertext: sealed, Status: store.StatusActive, CreateDate: fixedNow}))
	e.svc.Auth = &auth.Authenticator{Cache: e.cache, Ring: ring, Verifier: sigv4.NewVerifier()}
	edge := server.New(server.Config{REST: map[string]server.RESTService{SigningName: e.svc}, NewRequestID: awsid.NewRequestID})
	srv := httptest.NewServer(edge)
	t.Cleanup(srv.Close)
	l.url = srv.URL
	// A cluster with an API server, as a world file would declare it.
	must(t, e.st.CreateCluster(context.Background(), store.Cluster{
		ClusterRef: store.ClusterRef{Account: acct, Region: region1, Name: "demo"}, ARN: "arn:aws:eks:us-west-2:" + acct + ":cluster/demo",
		CreateDate: fixedNow, OIDCIssuer: "https://issuer.example/demo", Endpoint: "https://127.0.0.1:6443", CertificateAuthority: testCA,
		AuthenticationMode: store.AuthModeAPIAndConfigMap, Status: "ACTIVE", Version: "1.32"}))
	e.cache.Invalidate()
	return l
}

// aws runs the AWS CLI against the edge and returns its stdout; with
// wantErr it expects exit status 254 and returns stderr.
func (l *live) aws(t *testing.T, wantErr bool, args ...string) string {
	t.Helper()
	cli, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	home := t.TempDir()
	cmd := exec.Command(cli, append([]string{"--endpoint-url", l.url, "--output", "json"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_ACCESS_KEY_ID=" + l.key, "AWS_SECRET_ACCESS_KEY=" + l.secret,
		"AWS_DEFAULT_REGION=us-west-2", "AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if wantErr {
		if err == nil {
			t.Fatalf("aws %v succeeded: %s", args, stdout.String())
		}
		return stderr.String()
	}
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// TestAWSCLI drives the EKS API with the installed AWS CLI v1 through the
// real edge: SigV4 (with double-encoded escaped principal ARNs), paths,
// query strings, JSON bodies, timestamps and error parsing.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping AWS CLI subprocesses")
	}
	l := newLive(t)
	var list struct{ Clusters []string }
	must(t, json.Unmarshal([]byte(l.aws(t, false, "eks", "list-clusters")), &list))
	if strings.Join(list.Clusters, ",") != "demo" {
		t.Errorf("list-clusters: %v", list.Clusters)
	}
	var d struct{ Cluster map[string]any }
	must(t, json.Unmarshal([]byte(l.aws(t, false, "eks", "describe-cluster", "--name", "demo")), &d))
	if d.Cluster["endpoint"] != "https://127.0.0.1:6443" || d.Cluster["status"] != "ACTIVE" {
		t.Errorf("describe-cluster: %v", d.Cluster)
	}

	// update-kubeconfig writes the endpoint, the CA and `aws eks get-token`.
	kubeconfig := filepath.Join(t.TempDir(), "config")
	l.aws(t, false, "eks", "update-kubeconfig", "--name", "demo", "--kubeconfig", kubeconfig)
	kc, err := os.ReadFile(kubeconfig)
	must(t, err)
	for _, want := range []string{"server: https://127.0.0.1:6443", "certificate-authority-data: " + base64.StdEncoding.EncodeToString([]byte(testCA)),
		"arn:aws:eks:us-west-2:" + acct + ":cluster/demo", "- get-token", "- demo"} {
		if !strings.Contains(string(kc), want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, kc)
		}
	}

	out := l.aws(t, false, "eks", "create-pod-identity-association", "--cluster-name", "demo", "--namespace", "pod-id",
		"--service-account", "pod-identity", "--role-arn", "arn:aws:iam::"+acct+":role/pod-role")
	var a struct{ Association map[string]any }
	must(t, json.Unmarshal([]byte(out), &a))
	if id, _ := a.Association["associationId"].(string); !strings.HasPrefix(id, "a-") || a.Association["namespace"] != "pod-id" {
		t.Errorf("create-pod-identity-association: %s", out)
	}

	principal := "arn:aws:iam::" + acct + ":role/team/dev"
	l.aws(t, false, "eks", "create-access-entry", "--cluster-name", "demo", "--principal-arn", principal, "--kubernetes-groups", "devs")
	out = l.aws(t, false, "eks", "describe-access-entry", "--cluster-name", "demo", "--principal-arn", principal)
	if !strings.Contains(out, `"username": "arn:aws:sts::`+acct+`:assumed-role/dev/{{SessionName}}"`) {
		t.Errorf("describe-access-entry: %s", out)
	}
	view := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	out = l.aws(t, false, "eks", "associate-access-policy", "--cluster-name", "demo", "--principal-arn", principal, "--policy-arn", view,
		"--access-scope", "type=namespace,namespaces=default,kube-system")
	if !strings.Contains(out, "kube-system") {
		t.Errorf("associate-access-policy: %s", out)
	}
	out = l.aws(t, false, "eks", "list-access-entries", "--cluster-name", "demo", "--associated-policy-arn", view)
	if !strings.Contains(out, principal) || !strings.Contains(out, `"accessEntries"`) {
		t.Errorf("list-access-entries: %s", out)
	}

	stderr := l.aws(t, true, "eks", "describe-cluster", "--name", "missing")
	if !strings.Contains(stderr, "(ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: missing.") {
		t.Errorf("describe-cluster missing: %s", stderr)
	}
	out = l.aws(t, false, "eks", "create-cluster", "--name", "cli", "--role-arn", "arn:aws:iam::"+acct+":role/eks",
		"--resources-vpc-config", "subnetIds=subnet-1", "--access-config", "authenticationMode=API")
	if !strings.Contains(out, `"authenticationMode": "API"`) {
		t.Errorf("create-cluster: %s", out)
	}
}

// TestGoSDK drives the EKS API with the AWS SDK for Go v2 through the real
// edge, including typed error decoding.
func TestGoSDK(t *testing.T) {
	l := newLive(t)
	ctx := context.Background()
	c := awseks.New(awseks.Options{Region: region1, BaseEndpoint: aws.String(l.url),
		Credentials: credentials.NewStaticCredentialsProvider(l.key, l.secret, "")})
	lc, err := c.ListClusters(ctx, &awseks.ListClustersInput{})
	must(t, err)
	if len(lc.Clusters) != 1 || lc.Clusters[0] != "demo" {
		t.Errorf("clusters %v", lc.Clusters)
	}
	dc, err := c.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("demo")})
	must(t, err)
	if aws.ToString(dc.Cluster.Identity.Oidc.Issuer) != "https://issuer.example/demo" || dc.Cluster.AccessConfig.AuthenticationMode != ekstypes.AuthenticationModeApiAndConfigMap ||
		!dc.Cluster.CreatedAt.Equal(fixedNow) {
		t.Errorf("cluster %+v", dc.Cluster)
	}
	principal := "arn:aws:iam::" + acct + ":user/path/with space"
	_, err = c.CreateAccessEntry(ctx, &awseks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal)})
	if err == nil {
		t.Fatal("a principal name with a space was accepted")
	}
	principal = "arn:aws:iam::" + acct + ":user/path/u+=,.@-"
	_, err = c.CreateAccessEntry(ctx, &awseks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal),
		KubernetesGroups: []string{"g"}})
	must(t, err)
	de, err := c.DescribeAccessEntry(ctx, &awseks.DescribeAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal)})
	must(t, err)
	if aws.ToString(de.AccessEntry.PrincipalArn) != principal || aws.ToString(de.AccessEntry.Username) != principal {
		t.Errorf("entry %+v", de.AccessEntry)
	}
	_, err = c.AssociateAccessPolicy(ctx, &awseks.AssociateAccessPolicyInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal),
		PolicyArn: aws.String(AccessPolicyARN("aws", "AmazonEKSEditPolicy")), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}})
	must(t, err)
	_, err = c.DisassociateAccessPolicy(ctx, &awseks.DisassociateAccessPolicyInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal),
		PolicyArn: aws.String(AccessPolicyARN("aws", "AmazonEKSEditPolicy"))})
	must(t, err)
	pa, err := c.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("demo"), Namespace: aws.String("ns"),
		ServiceAccount: aws.String("sa"), RoleArn: aws.String("arn:aws:iam::" + acct + ":role/pod-role"), Tags: map[string]string{"a": "b"}})
	must(t, err)
	dp, err := c.DescribePodIdentityAssociation(ctx, &awseks.DescribePodIdentityAssociationInput{ClusterName: aws.String("demo"), AssociationId: pa.Association.AssociationId})
	must(t, err)
	if aws.ToString(dp.Association.ServiceAccount) != "sa" || dp.Association.Tags["a"] != "b" || aws.ToBool(dp.Association.DisableSessionTags) {
		t.Errorf("association %+v", dp.Association)
	}
	ap := awseks.NewListAccessPoliciesPaginator(c, &awseks.ListAccessPoliciesInput{MaxResults: aws.Int32(5)})
	n := 0
	for ap.HasMorePages() {
		p, err := ap.NextPage(ctx)
		must(t, err)
		n += len(p.AccessPolicies)
	}
	if n != len(AccessPolicyNames) {
		t.Errorf("paginated %d access policies", n)
	}

	_, err = c.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("missing")})
	var nf *ekstypes.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.ClusterName) != "missing" || nf.ErrorMessage() != "No cluster found for name: missing." {
		t.Errorf("missing cluster: %v", err)
	}
	_, err = c.CreateCluster(ctx, &awseks.CreateClusterInput{Name: aws.String("demo"), RoleArn: aws.String("r"), ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}})
	var inUse *ekstypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Errorf("existing cluster: %v", err)
	}
	bad := awseks.New(awseks.Options{Region: region1, BaseEndpoint: aws.String(l.url),
		Credentials: credentials.NewStaticCredentialsProvider(l.key, "wrong-secret-wrong-secret-wrong-secret00", "")})
	_, err = bad.ListClusters(ctx, &awseks.ListClustersInput{})
	if err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Errorf("bad signature: %v", err)
	}
}
