package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/store"
)

// ListAccessEntriesOutput is the response.
type ListAccessEntriesOutput struct {
	AccessEntries []string `json:"accessEntries"`
	NextToken     string   `json:"nextToken,omitempty"`
}

// listAccessEntries lists the principal ARNs of a cluster's access
// entries, ordered by ARN; with associatedPolicyArn, only the entries that
// policy is associated with.
func (s *Service) listAccessEntries(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	page, err := pageOf(r, name)
	if err != nil {
		return nil, err
	}
	filter := r.URL.Query().Get("associatedPolicyArn")
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListAccessEntries", s.clusterARN(ref), clusterTags(cl), nil, map[string]any{"clusterName": name}); err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, clusterNotFound(name)
	}
	if cl.AuthenticationMode == store.AuthModeConfigMap {
		return nil, authModeRequired(name)
	}
	out := &ListAccessEntriesOutput{AccessEntries: []string{}}
	want := page.Limit
	for {
		// With a filter, each store page asks only for the entries still
		// wanted, so the page never overshoots and the store's marker is
		// exactly where the next call must resume.
		page.Limit = want - len(out.AccessEntries)
		list, next, err := s.Store.ListAccessEntries(ctx, ref, page)
		if err != nil {
			return nil, storeErr(err, name)
		}
		for _, e := range list {
			if filter != "" {
				ok, err := s.hasPolicy(ctx, ref, e.PrincipalARN, filter)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			out.AccessEntries = append(out.AccessEntries, e.PrincipalARN)
		}
		out.NextToken = next
		if next == "" || len(out.AccessEntries) >= want {
			return out, nil
		}
		page.Marker = next
	}
}

func (s *Service) hasPolicy(ctx context.Context, ref store.ClusterRef, principalARN, policyARN string) (bool, error) {
	list, err := s.Store.ListAccessPolicyAssociations(ctx, ref, principalARN)
	if err != nil {
		return false, storeErr(err, ref.Name)
	}
	for _, a := range list {
		if a.PolicyARN == policyARN {
			return true, nil
		}
	}
	return false, nil
}
