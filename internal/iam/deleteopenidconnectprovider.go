package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteOpenIDConnectProviderInput is DeleteOpenIDConnectProvider's input.
type DeleteOpenIDConnectProviderInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
}

// deleteOpenIDConnectProvider deletes a provider; web identity tokens of
// its issuer stop being accepted at once on this replica.
func (s *Service) deleteOpenIDConnectProvider(ctx context.Context, in *DeleteOpenIDConnectProviderInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteOpenIDConnectProvider", "openIDConnectProviderArn", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, true)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteOIDCProvider(ctx, p.Account, p.URL); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchProvider(in.OpenIDConnectProviderArn)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
