package eks

import (
	"regexp"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
)

// Access entry types, as the EKS API spells them.
const (
	TypeStandard      = "STANDARD"
	TypeEC2Linux      = "EC2_LINUX"
	TypeEC2Windows    = "EC2_WINDOWS"
	TypeFargateLinux  = "FARGATE_LINUX"
	TypeEC2           = "EC2"
	TypeHybridLinux   = "HYBRID_LINUX"
	TypeHyperpodLinux = "HYPERPOD_LINUX"
)

// accessEntryTypes are the types CreateAccessEntry accepts.
var accessEntryTypes = []string{TypeStandard, TypeEC2Linux, TypeEC2Windows, TypeFargateLinux, TypeEC2, TypeHybridLinux, TypeHyperpodLinux}

// EffectiveIdentity returns the Kubernetes username and groups EKS reports
// for an access entry: for STANDARD entries the given ones, with the
// default username (the user's ARN for IAM users,
// arn:P:sts::A:assumed-role/ROLE/{{SessionName}} for roles) when none was
// given; for node types EKS's fixed username and groups. It agrees with
// internal/k8s/awsauth, which maps tokens with the same rules.
func EffectiveIdentity(principalARN, typ, username string, groups []string) (string, []string) {
	switch typ {
	case TypeEC2Linux, TypeEC2:
		return "system:node:{{EC2PrivateDNSName}}", []string{"system:nodes"}
	case TypeEC2Windows:
		return "system:node:{{EC2PrivateDNSName}}", []string{"system:nodes", "eks:kube-proxy-windows"}
	case TypeFargateLinux:
		return "system:node:{{SessionName}}", []string{"system:nodes", "system:node-proxier"}
	case TypeHybridLinux:
		return "system:node:{{SessionName}}", []string{"system:nodes"}
	}
	if username != "" || typ != TypeStandard {
		return username, groups
	}
	a, err := arn.Parse(principalARN)
	if err == nil && strings.HasPrefix(a.Resource, "role/") {
		name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		return "arn:" + a.Partition + ":sts::" + a.Account + ":assumed-role/" + name + "/{{SessionName}}", groups
	}
	return principalARN, groups
}

// AccessPolicyNames is the catalog ListAccessPolicies returns, in its
// order (by name). The four Kubernetes-role policies are the ones
// internal/k8s/accesspolicy enforces; the others may be associated but
// grant nothing in trustbridge.
var AccessPolicyNames = []string{
	"AmazonEKSAdminPolicy",
	"AmazonEKSAdminViewPolicy",
	"AmazonEKSAutoNodePolicy",
	"AmazonEKSBlockStoragePolicy",
	"AmazonEKSClusterAdminPolicy",
	"AmazonEKSClusterInsightsPolicy",
	"AmazonEKSComputePolicy",
	"AmazonEKSEditPolicy",
	"AmazonEKSHybridPolicy",
	"AmazonEKSLoadBalancingPolicy",
	"AmazonEKSNetworkingPolicy",
	"AmazonEKSViewPolicy",
	"AmazonEMRJobPolicy",
}

// AccessPolicyARN returns the ARN of an EKS access policy.
func AccessPolicyARN(partition, name string) string {
	if partition == "" {
		partition = arn.DefaultPartition
	}
	return "arn:" + partition + ":eks::aws:cluster-access-policy/" + name
}

// knownAccessPolicy reports whether policyARN names a catalog policy in
// partition.
func knownAccessPolicy(partition, policyARN string) bool {
	for _, n := range AccessPolicyNames {
		if AccessPolicyARN(partition, n) == policyARN {
			return true
		}
	}
	return false
}

var (
	// iamNameRE and iamPathRE are IAM's user/role name and path patterns.
	iamNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	iamPathRE = regexp.MustCompile(`^/([\x21-\x7e]{0,510}/)?$`)
)

// principal is a parsed access entry principal: an IAM user or role.
type principal struct {
	account string
	role    bool
}

// parsePrincipal accepts an IAM user or role ARN (with a path) in
// partition, the principals access entries are for.
func parsePrincipal(partition, s string) (principal, bool) {
	_, path, name, err := arn.IAMResource(s, "role")
	role := err == nil
	if !role {
		_, path, name, err = arn.IAMResource(s, "user")
	}
	if err != nil || !iamNameRE.MatchString(name) || !iamPathRE.MatchString(path) {
		return principal{}, false
	}
	a, _ := arn.Parse(s)
	if a.Partition != partition || a.Region != "" || len(a.Account) != 12 {
		return principal{}, false
	}
	for _, c := range a.Account {
		if c < '0' || c > '9' {
			return principal{}, false
		}
	}
	return principal{account: a.Account, role: role}, true
}
