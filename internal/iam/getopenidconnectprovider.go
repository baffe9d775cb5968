package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/awsquery"
)

// GetOpenIDConnectProviderInput is GetOpenIDConnectProvider's input.
type GetOpenIDConnectProviderInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
}

// GetOpenIDConnectProviderResult is GetOpenIDConnectProvider's result. Url
// is the provider's key, without its scheme, as IAM returns it.
type GetOpenIDConnectProviderResult struct {
	Url            string //nolint:revive // AWS member name
	ClientIDList   List[string]
	ThumbprintList List[string]
	CreateDate     awsquery.Time
	Tags           List[Tag] `xml:",omitempty"`
}

func (s *Service) getOpenIDConnectProvider(ctx context.Context, in *GetOpenIDConnectProviderInput) (*GetOpenIDConnectProviderResult, error) {
	c, err := s.begin(ctx, "GetOpenIDConnectProvider", "openIDConnectProviderArn", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, false)
	if err != nil {
		return nil, err
	}
	return &GetOpenIDConnectProviderResult{
		Url: p.URL, ClientIDList: nonNil(List[string](p.ClientIDs)), ThumbprintList: nonNil(List[string](p.Thumbprints)),
		CreateDate: awsquery.Time(p.CreateDate), Tags: tagList(p.Tags),
	}, nil
}
