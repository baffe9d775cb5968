package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// DescribeClusterOutput is DescribeCluster's response.
type DescribeClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}

// describeCluster returns the cluster with its endpoint, CA
// (certificateAuthority.data, base64 of the PEM), identity.oidc.issuer and
// accessConfig — what `aws eks update-kubeconfig` needs.
func (s *Service) describeCluster(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "DescribeCluster", s.clusterARN(ref), clusterTags(cl), nil, map[string]any{"name": name}); err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, clusterNotFound(name)
	}
	return &DescribeClusterOutput{Cluster: clusterOut(cl)}, nil
}
