package eksauth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/eksauth"
	"github.com/trustbridge/trustbridge/internal/world"
)

// TestSeed003PodIdentity replays the Pod Identity part of seed 003 against
// a real trustbridge server (internal/app) running the built-in demo
// world, with the demo cluster's issuer pointed at a local one: boto3's
// eks-auth client exchanges the projected token of a pod in pod-id for
// credentials of role pod-identity-test, with which `aws eks list-clusters`
// works while `aws eks list-access-entries` is denied; a pod in default
// (no association) gets ResourceNotFoundException.
func TestSeed003PodIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping client subprocesses")
	}
	apptest.NeedTool(t, "python3")
	is := eksauth.NewTestIssuer(t)
	caFile := filepath.Join(t.TempDir(), "issuer-ca.pem")
	if err := os.WriteFile(caFile, []byte(is.CA()), 0o600); err != nil {
		t.Fatal(err)
	}
	demo := string(world.Demo())
	old := "    oidcIssuer: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n"
	if !strings.Contains(demo, old) {
		t.Fatal("the demo world's cluster issuer line changed; update this test")
	}
	w := strings.Replace(demo, old, "    oidcIssuer: "+is.URL()+"\n    oidcIssuerCAFile: "+caFile+"\n", 1)
	s := apptest.Start(t, apptest.Options{World: []byte(w)})
	root := apptest.KeyCreds(s.Key(t, "root:123456789012"))
	now := time.Now()
	script := `
import boto3, json, botocore.exceptions
c = boto3.client("eks-auth")
r = c.assume_role_for_pod_identity(clusterName="aws-eks-auth-test", token=` + pyStr(is.PodToken(t, now, "pod-id", "pod-identity", "pod-id-test-0")) + `)
creds = r["credentials"]
out = {"subject": r["subject"], "arn": r["assumedRoleUser"]["arn"], "key": creds["accessKeyId"], "secret": creds["secretAccessKey"], "token": creds["sessionToken"]}
try:
    c.assume_role_for_pod_identity(clusterName="aws-eks-auth-test", token=` + pyStr(is.PodToken(t, now, "default", "pod-identity", "pod-id-test-1")) + `)
except botocore.exceptions.ClientError as e:
    out["default"] = e.response["Error"]["Code"]
print(json.dumps(out))
`
	var got struct {
		Subject                 map[string]string
		Arn, Key, Secret, Token string
		Default                 string
	}
	if err := json.Unmarshal([]byte(s.MustPython(t, root, script)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Subject["namespace"] != "pod-id" || !strings.HasPrefix(got.Arn, "arn:aws:sts::123456789012:assumed-role/pod-identity-test/eks-aws-eks-auth-test-") ||
		got.Default != "ResourceNotFoundException" {
		t.Fatalf("eks-auth: %+v", got)
	}
	pod := apptest.Creds{AccessKeyID: got.Key, SecretAccessKey: got.Secret, SessionToken: got.Token}
	out := s.MustAWS(t, pod, "eks", "list-clusters", "--max-items", "1")
	if !strings.Contains(out, `"aws-eks-auth-test"`) {
		t.Errorf("list-clusters as the pod: %s", out)
	}
	_, stderr, err := s.AWS(t, pod, "eks", "list-access-entries", "--cluster-name", "aws-eks-auth-test")
	if err == nil || !strings.Contains(stderr, "AccessDeniedException") ||
		!strings.Contains(stderr, ":assumed-role/pod-identity-test/eks-aws-eks-auth-test-") ||
		!strings.Contains(stderr, "is not authorized to perform: eks:ListAccessEntries on resource: arn:aws:eks:us-west-2:123456789012:cluster/aws-eks-auth-test") {
		t.Errorf("list-access-entries as the pod: %v %s", err, stderr)
	}
	if log := s.AuditLog(); !strings.Contains(log, `"eventName":"AssumeRoleForPodIdentity"`) || strings.Contains(log, got.Token) || strings.Contains(log, got.Secret) {
		t.Errorf("audit stream lacks the call or leaks credentials")
	}
}

func pyStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
