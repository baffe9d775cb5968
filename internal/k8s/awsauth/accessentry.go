package awsauth

import (
	"fmt"

	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
)

// Access entry types, as the EKS API spells them.
const (
	TypeStandard     = "STANDARD"
	TypeEC2Linux     = "EC2_LINUX"
	TypeEC2Windows   = "EC2_WINDOWS"
	TypeFargateLinux = "FARGATE_LINUX"
	TypeHybridLinux  = "HYBRID_LINUX"
	TypeEC2          = "EC2"
)

// An AccessEntry is an EKS access entry of one cluster.
type AccessEntry struct {
	// PrincipalARN is the IAM user or role ARN (a role ARN may include its
	// path).
	PrincipalARN string
	// Username is the Kubernetes username template. If empty, EKS's default
	// for the type is used: for STANDARD, the user's ARN for IAM users and
	// arn:P:sts::A:assumed-role/ROLE/{{SessionName}} for roles; for the node
	// types, system:node:{{EC2PrivateDNSName}} (EC2) or
	// system:node:{{SessionName}} (Fargate, hybrid).
	Username string
	// KubernetesGroups are group templates, for STANDARD entries only; the
	// node types get EKS's fixed groups.
	KubernetesGroups []string
	// Type is STANDARD when empty.
	Type string
	// Policies are the associated access policies.
	Policies []accesspolicy.Association
}

type accessEntry struct {
	AccessEntry
	principal Principal
	username  string
	groups    []string
}

// AccessEntries is a validated, indexed set of a cluster's access entries.
// It is immutable and safe for concurrent use. The zero value and nil hold
// no entries.
type AccessEntries struct {
	entries  []accessEntry
	index    map[string][]int
	Problems []Problem
}

// NewAccessEntries validates and indexes entries. An invalid entry is left
// out and reported in Problems (path "accessEntries[i]...").
func NewAccessEntries(entries []AccessEntry) *AccessEntries {
	ae := &AccessEntries{index: map[string][]int{}}
	for i, e := range entries {
		path := fmt.Sprintf("accessEntries[%d]", i)
		ve, ok := ae.validate(path, e)
		if !ok {
			continue
		}
		k := ve.principal.matchKey()
		if len(ae.index[k]) > 0 {
			ae.Problems = append(ae.Problems, Problem{Path: path, Message: fmt.Sprintf("principal %s has more than one access entry; the first wins", e.PrincipalARN)})
		}
		ae.index[k] = append(ae.index[k], len(ae.entries))
		ae.entries = append(ae.entries, ve)
	}
	return ae
}

func (ae *AccessEntries) validate(path string, e AccessEntry) (accessEntry, bool) {
	bad := func(sub, msg string) (accessEntry, bool) {
		ae.Problems = append(ae.Problems, Problem{Path: path + sub, Message: msg, Ignored: true})
		return accessEntry{}, false
	}
	warn := func(sub, msg string) {
		ae.Problems = append(ae.Problems, Problem{Path: path + sub, Message: msg})
	}
	p, err := ParsePrincipal(e.PrincipalARN)
	if err != nil {
		return bad(".principalArn", err.Error())
	}
	if p.Kind != KindUser && p.Kind != KindRole {
		return bad(".principalArn", "must be an IAM user or role ARN")
	}
	ve := accessEntry{AccessEntry: e, principal: p}
	typ := e.Type
	if typ == "" {
		typ = TypeStandard
	}
	ve.Type = typ
	var defaultGroups []string
	switch typ {
	case TypeStandard:
		ve.username = e.Username
		if ve.username == "" {
			if p.Kind == KindRole {
				ve.username = "arn:" + p.Partition + ":sts::" + p.Account + ":assumed-role/" + p.Name + "/{{SessionName}}"
			} else {
				ve.username = e.PrincipalARN
			}
		}
		ve.groups = e.KubernetesGroups
	case TypeEC2Linux, TypeEC2:
		ve.username, defaultGroups = "system:node:{{EC2PrivateDNSName}}", []string{"system:nodes"}
	case TypeEC2Windows:
		ve.username, defaultGroups = "system:node:{{EC2PrivateDNSName}}", []string{"system:nodes", "eks:kube-proxy-windows"}
	case TypeFargateLinux:
		ve.username, defaultGroups = "system:node:{{SessionName}}", []string{"system:nodes", "system:node-proxier"}
	case TypeHybridLinux:
		ve.username, defaultGroups = "system:node:{{SessionName}}", []string{"system:nodes"}
	default:
		return bad(".type", fmt.Sprintf("unknown access entry type %q", e.Type))
	}
	if typ != TypeStandard {
		if p.Kind != KindRole {
			return bad(".principalArn", "node access entries need an IAM role")
		}
		if e.Username != "" || len(e.KubernetesGroups) > 0 {
			warn("", "username and kubernetesGroups are fixed for type "+typ+"; the given ones are ignored")
		}
		ve.groups = defaultGroups
	}
	if err := checkTemplate(ve.username); err != nil {
		return bad(".username", err.Error())
	}
	for j, g := range ve.groups {
		if g == "" {
			return bad(fmt.Sprintf(".kubernetesGroups[%d]", j), "must not be empty")
		}
		if err := checkTemplate(g); err != nil {
			return bad(fmt.Sprintf(".kubernetesGroups[%d]", j), err.Error())
		}
	}
	for j, a := range e.Policies {
		if err := a.Validate(); err != nil {
			return bad(fmt.Sprintf(".accessPolicies[%d]", j), err.Error())
		}
		if name, _ := accesspolicy.PolicyName(a.PolicyARN); !accesspolicy.Known(name) {
			warn(fmt.Sprintf(".accessPolicies[%d]", j), fmt.Sprintf("access policy %s is not enforced by trustbridge", name))
		}
	}
	return ve, true
}

// match returns the access entry for id, if any.
func (ae *AccessEntries) match(id *Identity) (*accessEntry, bool) {
	if ae == nil {
		return nil, false
	}
	key := id.key()
	for _, i := range ae.index[key] {
		if e := &ae.entries[i]; id.matches(e.principal, key) {
			return e, true
		}
	}
	return nil, false
}

// Len returns the number of valid entries.
func (ae *AccessEntries) Len() int {
	if ae == nil {
		return 0
	}
	return len(ae.entries)
}
