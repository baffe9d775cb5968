package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateOpenIDConnectProviderThumbprintInput is UpdateOpenIDConnectProviderThumbprint's input.
type UpdateOpenIDConnectProviderThumbprintInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
	ThumbprintList           []string
}

// updateOpenIDConnectProviderThumbprint replaces the provider's thumbprints.
func (s *Service) updateOpenIDConnectProviderThumbprint(ctx context.Context, in *UpdateOpenIDConnectProviderThumbprintInput) (*noResult, error) {
	c, err := s.begin(ctx, "UpdateOpenIDConnectProviderThumbprint", "openIDConnectProviderArn", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, true)
	if err != nil {
		return nil, err
	}
	if err := checkThumbprints(in.ThumbprintList); err != nil {
		return nil, err
	}
	return nil, c.updateProvider(in.OpenIDConnectProviderArn, p, func(x *store.OIDCProvider) error {
		x.Thumbprints = append([]string(nil), in.ThumbprintList...)
		return nil
	})
}
