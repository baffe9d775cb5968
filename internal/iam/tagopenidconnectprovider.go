package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// TagOpenIDConnectProviderInput is TagOpenIDConnectProvider's input.
type TagOpenIDConnectProviderInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
	Tags                     []Tag
}

func (s *Service) tagOpenIDConnectProvider(ctx context.Context, in *TagOpenIDConnectProviderInput) (*noResult, error) {
	c, err := s.begin(ctx, "TagOpenIDConnectProvider", "openIDConnectProviderArn", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, true, requestTags(in.Tags))
	if err != nil {
		return nil, err
	}
	return nil, c.updateProvider(in.OpenIDConnectProviderArn, p, func(x *store.OIDCProvider) error {
		tags, err := mergeTags(x.Tags, in.Tags, false, "OpenIdConnectProvider")
		x.Tags = tags
		return err
	})
}
