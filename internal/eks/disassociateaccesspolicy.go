package eks

import (
	"context"
	"errors"
	"net/http"

	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// disassociateAccessPolicy removes an access policy from an entry.
func (s *Service) disassociateAccessPolicy(ctx context.Context, c *auth.Caller, r *http.Request) (any, error) {
	name, principalARN, policyARN := r.PathValue("name"), r.PathValue("principalArn"), r.PathValue("policyArn")
	extra := func(pc *policy.Context) { pc.Set("eks:policyArn", policyARN) }
	_, e, err := s.entryCall(ctx, c, "DisassociateAccessPolicy", name, principalARN, true, extra)
	if err != nil {
		return nil, err
	}
	err = s.Store.DisassociateAccessPolicy(ctx, e.Cluster, principalARN, policyARN)
	var se *store.Error
	if errors.As(err, &se) && errors.Is(err, store.ErrNotFound) && se.Entity != store.EntityAccessEntry && se.Entity != store.EntityCluster {
		return nil, policyNotAssociated(name, policyARN)
	}
	if err != nil {
		return nil, storeErr(err, name)
	}
	s.wrote()
	return struct{}{}, nil
}
