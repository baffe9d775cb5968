package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/awsrest"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// AssociateAccessPolicyInput is the request body.
type AssociateAccessPolicyInput struct {
	PolicyArn   string `json:"policyArn"`
	AccessScope *struct {
		Type       string   `json:"type"`
		Namespaces []string `json:"namespaces"`
	} `json:"accessScope"`
}

// AssociateAccessPolicyOutput is the response.
type AssociateAccessPolicyOutput struct {
	ClusterName            string                 `json:"clusterName"`
	PrincipalArn           string                 `json:"principalArn"`
	AssociatedAccessPolicy AssociatedAccessPolicy `json:"associatedAccessPolicy"`
}

// associateAccessPolicy associates an access policy with a STANDARD
// entry, or replaces the scope of an existing association (keeping its
// associatedAt).
func (s *Service) associateAccessPolicy(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name, principalARN := r.PathValue("name"), r.PathValue("principalArn")
	var in AssociateAccessPolicyInput
	if err := awsrest.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	var scope store.AccessScope
	if in.AccessScope != nil {
		scope = store.AccessScope{Type: in.AccessScope.Type, Namespaces: in.AccessScope.Namespaces}
	}
	extra := func(pc *policy.Context) {
		pc.Set("eks:policyArn", in.PolicyArn)
		if scope.Type != "" {
			pc.Set("eks:accessScope", scope.Type)
		}
		if len(scope.Namespaces) > 0 {
			pc.SetMulti("eks:namespaces", scope.Namespaces)
		}
	}
	_, e, err := s.entryCall(ctx, c, "AssociateAccessPolicy", name, principalARN, true, extra)
	if err != nil {
		return nil, err
	}
	if in.PolicyArn == "" || in.AccessScope == nil {
		return nil, invalidParameter(name, "policyArn and accessScope are required.")
	}
	if !knownAccessPolicy(s.partition(), in.PolicyArn) {
		return nil, invalidParameter(name, "The policyArn "+truncate(in.PolicyArn, 256)+" is not a valid access policy; list them with 'list-access-policies'.")
	}
	if err := checkScope(name, scope); err != nil {
		return nil, err
	}
	if e.Type != "" && e.Type != TypeStandard {
		return nil, invalidRequest(name, "Access policies can only be associated with access entries of type STANDARD.")
	}
	now := s.now()
	if err := s.Store.AssociateAccessPolicy(ctx, e.Cluster, principalARN, store.AccessPolicyAssociation{PolicyARN: in.PolicyArn, AccessScope: scope,
		AssociatedAt: now, ModifiedAt: now}); err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	// Read back: a replaced association keeps its first associatedAt.
	list, err := s.Store.ListAccessPolicyAssociations(ctx, e.Cluster, principalARN)
	if err != nil {
		return nil, storeErr(err, name)
	}
	out := &AssociateAccessPolicyOutput{ClusterName: name, PrincipalArn: principalARN}
	for i := range list {
		if list[i].PolicyARN == in.PolicyArn {
			out.AssociatedAccessPolicy = associatedPolicyOut(&list[i])
		}
	}
	return out, nil
}

// checkScope validates an access scope as EKS does.
func checkScope(cluster string, scope store.AccessScope) error {
	switch scope.Type {
	case store.ScopeCluster:
		if len(scope.Namespaces) > 0 {
			return invalidParameter(cluster, "namespaces cannot be specified for an access scope of type cluster.")
		}
	case store.ScopeNamespace:
		if len(scope.Namespaces) == 0 {
			return invalidParameter(cluster, "At least one namespace must be specified for an access scope of type namespace.")
		}
		for _, ns := range scope.Namespaces {
			if !validNamespacePattern(ns) {
				return invalidParameter(cluster, "The namespace "+truncate(ns, 100)+" is invalid.")
			}
		}
	default:
		return invalidParameter(cluster, "accessScope.type must be cluster or namespace.")
	}
	return nil
}
