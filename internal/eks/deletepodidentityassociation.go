package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// deletePodIdentityAssociation deletes an association and returns it.
func (s *Service) deletePodIdentityAssociation(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name, id := r.PathValue("name"), r.PathValue("associationId")
	_, a, err := s.associationCall(ctx, c, "DeletePodIdentityAssociation", name, id)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeletePodIdentityAssociation(ctx, a.Cluster, id); err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return &associationOutput{Association: associationOut(a)}, nil
}
