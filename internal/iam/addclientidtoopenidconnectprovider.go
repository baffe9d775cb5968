package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// AddClientIDToOpenIDConnectProviderInput is AddClientIDToOpenIDConnectProvider's input.
type AddClientIDToOpenIDConnectProviderInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
	ClientID                 string
}

// addClientIDToOpenIDConnectProvider adds an audience; adding one that is
// already there changes nothing, as in IAM.
func (s *Service) addClientIDToOpenIDConnectProvider(ctx context.Context, in *AddClientIDToOpenIDConnectProviderInput) (*noResult, error) {
	c, err := s.begin(ctx, "AddClientIDToOpenIDConnectProvider", "openIDConnectProviderArn", in.OpenIDConnectProviderArn, "clientID", in.ClientID)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, true)
	if err != nil {
		return nil, err
	}
	return nil, c.updateProvider(in.OpenIDConnectProviderArn, p, func(x *store.OIDCProvider) error {
		ids, err := addClientIDs(x.ClientIDs, in.ClientID)
		x.ClientIDs = ids
		return err
	})
}
