package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// RemoveClientIDFromOpenIDConnectProviderInput is RemoveClientIDFromOpenIDConnectProvider's input.
type RemoveClientIDFromOpenIDConnectProviderInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
	ClientID                 string
}

// removeClientIDFromOpenIDConnectProvider removes an audience; removing
// one that is not there succeeds, as IAM documents.
func (s *Service) removeClientIDFromOpenIDConnectProvider(ctx context.Context, in *RemoveClientIDFromOpenIDConnectProviderInput) (*noResult, error) {
	c, err := s.begin(ctx, "RemoveClientIDFromOpenIDConnectProvider", "openIDConnectProviderArn", in.OpenIDConnectProviderArn, "clientID", in.ClientID)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, true)
	if err != nil {
		return nil, err
	}
	return nil, c.updateProvider(in.OpenIDConnectProviderArn, p, func(x *store.OIDCProvider) error {
		out := x.ClientIDs[:0:0]
		for _, id := range x.ClientIDs {
			if id != in.ClientID {
				out = append(out, id)
			}
		}
		x.ClientIDs = out
		return nil
	})
}
