package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// ListAssociatedAccessPoliciesOutput is the response.
type ListAssociatedAccessPoliciesOutput struct {
	ClusterName              string                   `json:"clusterName"`
	PrincipalArn             string                   `json:"principalArn"`
	NextToken                string                   `json:"nextToken,omitempty"`
	AssociatedAccessPolicies []AssociatedAccessPolicy `json:"associatedAccessPolicies"`
}

// listAssociatedAccessPolicies lists an entry's access policies ordered
// by policy ARN.
func (s *Service) listAssociatedAccessPolicies(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name, principalARN := r.PathValue("name"), r.PathValue("principalArn")
	page, err := pageOf(r, name)
	if err != nil {
		return nil, err
	}
	_, e, err := s.entryCall(ctx, c, "ListAssociatedAccessPolicies", name, principalARN, true, nil)
	if err != nil {
		return nil, err
	}
	list, err := s.Store.ListAccessPolicyAssociations(ctx, e.Cluster, principalARN)
	if err != nil {
		return nil, storeErr(err, name)
	}
	keys := make([]string, len(list))
	for i := range list {
		keys[i] = list[i].PolicyARN
	}
	from, to, next, ok := paginate(keys, page.Marker, page.Limit)
	if !ok {
		return nil, badNextToken(name)
	}
	out := &ListAssociatedAccessPoliciesOutput{ClusterName: name, PrincipalArn: principalARN, NextToken: next,
		AssociatedAccessPolicies: make([]AssociatedAccessPolicy, 0, to-from)}
	for i := from; i < to; i++ {
		out.AssociatedAccessPolicies = append(out.AssociatedAccessPolicies, associatedPolicyOut(&list[i]))
	}
	return out, nil
}
