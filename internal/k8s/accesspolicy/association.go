package accesspolicy

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The EKS access policies this package enforces. The partition field
// varies (aws, aws-cn, aws-us-gov); Name extracts the policy name.
const (
	ClusterAdminPolicy = "AmazonEKSClusterAdminPolicy"
	AdminPolicy        = "AmazonEKSAdminPolicy"
	EditPolicy         = "AmazonEKSEditPolicy"
	ViewPolicy         = "AmazonEKSViewPolicy"

	// PolicyARNPrefix is the ARN prefix of the standard partition's access
	// policies: PolicyARNPrefix + ViewPolicy is the view policy's ARN.
	PolicyARNPrefix = "arn:aws:eks::aws:cluster-access-policy/"
)

// A ScopeType is an access scope's type.
type ScopeType string

// Access scope types, as the EKS API spells them.
const (
	ScopeCluster   ScopeType = "cluster"
	ScopeNamespace ScopeType = "namespace"
)

// A Scope limits where an associated access policy applies: everywhere
// (cluster), or to namespaced requests in the listed namespaces. A
// namespace ending in "*" matches every namespace with that prefix.
type Scope struct {
	Type       ScopeType
	Namespaces []string
}

// An Association is an access policy associated with an access entry.
type Association struct {
	PolicyARN string
	Scope     Scope
}

// AssociationSource finds the access policies associated with the
// Kubernetes user a SubjectAccessReview is about. The user's extra map is
// the one the TokenReview authenticator issued (it carries the caller's
// ARNs); implementations must bind the answer to that identity and return
// nothing for users the authenticator did not issue. An error means "could
// not decide" and makes the authorizer express no opinion.
type AssociationSource interface {
	Associations(ctx context.Context, cluster, username string, groups []string, extra map[string][]string) ([]Association, error)
}

// PolicyName returns the access policy name of an access policy ARN
// (arn:PARTITION:eks::aws:cluster-access-policy/NAME), or an error for
// anything else. The name is returned even if this package does not know
// the policy.
func PolicyName(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "eks" || parts[3] != "" || parts[4] != "aws" {
		return "", fmt.Errorf("invalid access policy ARN %q", arn)
	}
	name, ok := strings.CutPrefix(parts[5], "cluster-access-policy/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("invalid access policy ARN %q", arn)
	}
	return name, nil
}

// Known reports whether name is one of the four policies this package
// enforces.
func Known(name string) bool {
	switch name {
	case ClusterAdminPolicy, AdminPolicy, EditPolicy, ViewPolicy:
		return true
	}
	return false
}

// Validate checks the association: a well-formed policy ARN, and a scope
// that is "cluster" with no namespaces or "namespace" with at least one
// valid namespace (a DNS label, optionally ending in "*").
func (a Association) Validate() error {
	if _, err := PolicyName(a.PolicyARN); err != nil {
		return err
	}
	switch a.Scope.Type {
	case ScopeCluster:
		if len(a.Scope.Namespaces) > 0 {
			return errors.New("cluster scope takes no namespaces")
		}
	case ScopeNamespace:
		if len(a.Scope.Namespaces) == 0 {
			return errors.New("namespace scope needs at least one namespace")
		}
		for _, ns := range a.Scope.Namespaces {
			if !validNamespacePattern(ns) {
				return fmt.Errorf("invalid namespace %q in access scope", ns)
			}
		}
	default:
		return fmt.Errorf("access scope type must be cluster or namespace, not %q", a.Scope.Type)
	}
	return nil
}

// validNamespacePattern accepts a DNS-1123 label, or a prefix of one
// followed by "*".
func validNamespacePattern(s string) bool {
	p, wild := strings.CutSuffix(s, "*")
	if len(p) > 63 || (!wild && p == "") {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && (wild || i < len(p)-1):
		default:
			return false
		}
	}
	return true
}

// inScope reports whether a request in namespace ns (empty for
// cluster-scoped requests) falls within the scope.
func (s *Scope) inScope(ns string) bool {
	if s.Type == ScopeCluster {
		return true
	}
	if ns == "" {
		return false
	}
	for _, p := range s.Namespaces {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(ns, prefix) {
				return true
			}
		} else if p == ns {
			return true
		}
	}
	return false
}
