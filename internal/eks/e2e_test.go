package eks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

// TestSeed003 replays seed 003's EKS API steps against a real trustbridge
// server (internal/app) running the built-in demo world, with the
// installed AWS CLI and boto3: the test users find and describe the
// cluster and write a kubeconfig; the account admin reads UserThree's
// access entry and its view policy scoped to four namespaces, and creates
// a Pod Identity association; UserThree may not create access entries.
func TestSeed003(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping client subprocesses")
	}
	s := apptest.Start(t, apptest.Options{})
	root := apptest.KeyCreds(s.Key(t, "root:123456789012"))
	three := apptest.KeyCreds(s.Key(t, "UserThree"))

	out := s.MustAWS(t, three, "eks", "list-clusters")
	if !strings.Contains(out, `"aws-eks-auth-test"`) {
		t.Errorf("list-clusters: %s", out)
	}
	kubeconfig := filepath.Join(t.TempDir(), "config")
	s.MustAWS(t, three, "eks", "update-kubeconfig", "--name", "aws-eks-auth-test", "--user-alias", "userthree", "--kubeconfig", kubeconfig)
	if kc, err := os.ReadFile(kubeconfig); err != nil || !strings.Contains(string(kc), "arn:aws:eks:us-west-2:123456789012:cluster/aws-eks-auth-test") ||
		!strings.Contains(string(kc), "get-token") {
		t.Errorf("kubeconfig %v: %s", err, kc)
	}

	out = s.MustAWS(t, root, "eks", "describe-access-entry", "--cluster-name", "aws-eks-auth-test", "--principal-arn", "arn:aws:iam::123456789012:user/UserThree")
	var d struct{ AccessEntry map[string]any }
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.AccessEntry["username"] != "UserThree" || d.AccessEntry["type"] != "STANDARD" {
		t.Errorf("describe-access-entry: %v %s", err, out)
	}
	out = s.MustAWS(t, root, "eks", "list-associated-access-policies", "--cluster-name", "aws-eks-auth-test", "--principal-arn", "arn:aws:iam::123456789012:user/UserThree")
	var l struct {
		AssociatedAccessPolicies []struct {
			PolicyArn   string
			AccessScope struct {
				Type       string
				Namespaces []string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.AssociatedAccessPolicies) != 1 ||
		l.AssociatedAccessPolicies[0].PolicyArn != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" ||
		strings.Join(l.AssociatedAccessPolicies[0].AccessScope.Namespaces, ",") != "default,kube-node-lease,kube-public,kube-system" {
		t.Errorf("list-associated-access-policies: %v %s", err, out)
	}
	out = s.MustAWS(t, root, "eks", "create-pod-identity-association", "--cluster-name", "aws-eks-auth-test", "--namespace", "default",
		"--service-account", "pod-identity", "--role-arn", "arn:aws:iam::123456789012:role/pod-identity-test")
	if !strings.Contains(out, `"associationId": "a-`) {
		t.Errorf("create-pod-identity-association: %s", out)
	}

	_, stderr, err := s.AWS(t, three, "eks", "create-access-entry", "--cluster-name", "aws-eks-auth-test", "--principal-arn", "arn:aws:iam::123456789012:user/UserTwo")
	if err == nil || !strings.Contains(stderr, "An error occurred (AccessDeniedException) when calling the CreateAccessEntry operation: User: arn:aws:iam::123456789012:user/UserThree is not authorized to perform: eks:CreateAccessEntry on resource: arn:aws:eks:us-west-2:123456789012:cluster/aws-eks-auth-test") {
		t.Errorf("create-access-entry as UserThree: %v %s", err, stderr)
	}

	out = s.MustPython(t, root, `
import boto3, json
c = boto3.client("eks")
print(json.dumps({
  "associations": [a["serviceAccount"] + "@" + a["namespace"] for a in c.list_pod_identity_associations(clusterName="aws-eks-auth-test")["associations"]],
  "policies": len(c.list_access_policies()["accessPolicies"]),
  "mode": c.describe_cluster(name="aws-eks-auth-test")["cluster"]["accessConfig"]["authenticationMode"],
}))
`)
	var b struct {
		Associations []string
		Policies     int
		Mode         string
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil || strings.Join(b.Associations, ",") != "pod-identity@default,pod-identity@pod-id" ||
		b.Policies < 4 || b.Mode != "API_AND_CONFIG_MAP" {
		t.Errorf("boto3: %v %s", err, out)
	}
}
