package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// describePodIdentityAssociation returns one association, authorized on
// the association's ARN.
func (s *Service) describePodIdentityAssociation(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	_, a, err := s.associationCall(ctx, c, "DescribePodIdentityAssociation", r.PathValue("name"), r.PathValue("associationId"))
	if err != nil {
		return nil, err
	}
	return &associationOutput{Association: associationOut(a)}, nil
}
