package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
)

// ListClustersOutput is ListClusters' response.
type ListClustersOutput struct {
	Clusters  []string `json:"clusters"`
	NextToken string   `json:"nextToken,omitempty"`
}

// listClusters lists the names of the caller's clusters in the request's
// region, ordered by name. The include parameter (connected clusters) is
// accepted and ignored. IAM authorizes it on cluster/*, as EKS does.
func (s *Service) listClusters(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	page, err := pageOf(r, "")
	if err != nil {
		return nil, err
	}
	resource := arn.Cluster(s.partition(), region(c), c.Principal.Account, "*")
	if err := s.authorize(ctx, c, "ListClusters", resource, nil, nil, nil); err != nil {
		return nil, err
	}
	list, next, err := s.Store.ListClusters(ctx, c.Principal.Account, region(c), page)
	if err != nil {
		return nil, storeErr(err, "")
	}
	out := &ListClustersOutput{Clusters: make([]string, 0, len(list)), NextToken: next}
	for _, cl := range list {
		out.Clusters = append(out.Clusters, cl.Name)
	}
	return out, nil
}
