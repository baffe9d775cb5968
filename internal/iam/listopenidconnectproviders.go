package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/arn"
)

// ListOpenIDConnectProvidersInput has no members.
type ListOpenIDConnectProvidersInput struct{}

// OpenIDConnectProviderListEntry names one provider.
type OpenIDConnectProviderListEntry struct {
	Arn string //nolint:revive // AWS member name
}

// ListOpenIDConnectProvidersResult is ListOpenIDConnectProviders' result
// (IAM does not paginate it).
type ListOpenIDConnectProvidersResult struct {
	OpenIDConnectProviderList List[OpenIDConnectProviderListEntry]
}

// listOpenIDConnectProviders authorizes on "*": the action has no resource
// type in IAM.
func (s *Service) listOpenIDConnectProviders(ctx context.Context, _ *ListOpenIDConnectProvidersInput) (*ListOpenIDConnectProvidersResult, error) {
	c, err := s.begin(ctx, "ListOpenIDConnectProviders")
	if err != nil {
		return nil, err
	}
	if err := c.authorize("*"); err != nil {
		return nil, err
	}
	ps, err := s.Store.ListOIDCProviders(ctx, c.account())
	if err != nil {
		return nil, storeErr(err)
	}
	out := &ListOpenIDConnectProvidersResult{OpenIDConnectProviderList: make(List[OpenIDConnectProviderListEntry], 0, len(ps))}
	for _, p := range ps {
		out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, OpenIDConnectProviderListEntry{Arn: arn.OIDCProvider(c.partition(), c.account(), p.URL)})
	}
	return out, nil
}
