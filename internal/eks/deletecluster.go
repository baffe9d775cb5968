package eks

import (
	"context"
	"errors"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteClusterOutput is DeleteCluster's response.
type DeleteClusterOutput struct {
	Cluster *Cluster `json:"cluster"`
}

// deleteCluster deletes the cluster with its access entries and pod
// identity associations, at once. The response shows the cluster with
// status DELETING, as EKS's does.
func (s *Service) deleteCluster(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	ref := clusterRef(c, name)
	cl, err := s.getCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "DeleteCluster", s.clusterARN(ref), clusterTags(cl), nil, map[string]any{"name": name}); err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, clusterNotFound(name)
	}
	err = s.Store.DeleteCluster(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, clusterNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	s.wrote()
	out := clusterOut(cl)
	out.Status = "DELETING"
	return &DeleteClusterOutput{Cluster: out}, nil
}
