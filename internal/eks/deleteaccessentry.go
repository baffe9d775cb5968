package eks

import (
	"context"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// deleteAccessEntry deletes an entry and its access policy associations.
func (s *Service) deleteAccessEntry(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name := r.PathValue("name")
	_, e, err := s.entryCall(ctx, c, "DeleteAccessEntry", name, r.PathValue("principalArn"), true, nil)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteAccessEntry(ctx, e.Cluster, e.PrincipalARN); err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return struct{}{}, nil
}
