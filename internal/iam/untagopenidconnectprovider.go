package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UntagOpenIDConnectProviderInput is UntagOpenIDConnectProvider's input.
type UntagOpenIDConnectProviderInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
	TagKeys                  []string
}

func (s *Service) untagOpenIDConnectProvider(ctx context.Context, in *UntagOpenIDConnectProviderInput) (*noResult, error) {
	c, err := s.begin(ctx, "UntagOpenIDConnectProvider", "openIDConnectProviderArn", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, true, tagKeysContext(in.TagKeys))
	if err != nil {
		return nil, err
	}
	return nil, c.updateProvider(in.OpenIDConnectProviderArn, p, func(x *store.OIDCProvider) error {
		x.Tags = removeTags(x.Tags, in.TagKeys, false)
		return nil
	})
}
