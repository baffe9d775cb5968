package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/store"
)

// ListPodIdentityAssociationsOutput is the response.
type ListPodIdentityAssociationsOutput struct {
	Associations []PodIdentityAssociationSummary `json:"associations"`
	NextToken    string                          `json:"nextToken,omitempty"`
}

// listPodIdentityAssociations lists a cluster's associations ordered by
// namespace and service account, filtered exactly by the namespace and
// serviceAccount query parameters.
func (s *Service) listPodIdentityAssociations(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	page, err := pageOf(r, name)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "ListPodIdentityAssociations", s.clusterARN(ref), clusterTags(cl), nil, map[string]any{"clusterName": name}); err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, clusterNotFound(name)
	}
	list, next, err := s.Store.ListPodIdentityAssociations(ctx, ref, store.PodIdentityListOptions{Page: page,
		Namespace: q.Get("namespace"), ServiceAccount: q.Get("serviceAccount")})
	if err != nil {
		return nil, storeErr(err, name)
	}
	out := &ListPodIdentityAssociationsOutput{Associations: make([]PodIdentityAssociationSummary, 0, len(list)), NextToken: next}
	for _, a := range list {
		out.Associations = append(out.Associations, PodIdentityAssociationSummary{ClusterName: name, Namespace: a.Namespace,
			ServiceAccount: a.ServiceAccount, AssociationArn: a.AssociationARN, AssociationID: a.AssociationID})
	}
	return out, nil
}
