package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateOpenIDConnectProviderInput is CreateOpenIDConnectProvider's input.
// ThumbprintList may be empty: trustbridge verifies issuers' TLS with the
// system roots (or the provider's CA bundle), as IAM now does for most
// issuers.
type CreateOpenIDConnectProviderInput struct {
	Url            string //nolint:revive // AWS member name
	ClientIDList   []string
	ThumbprintList []string
	Tags           []Tag
}

// CreateOpenIDConnectProviderResult is CreateOpenIDConnectProvider's result.
type CreateOpenIDConnectProviderResult struct {
	OpenIDConnectProviderArn string    //nolint:revive // AWS member name
	Tags                     List[Tag] `xml:",omitempty"`
}

func (s *Service) createOpenIDConnectProvider(ctx context.Context, in *CreateOpenIDConnectProviderInput) (*CreateOpenIDConnectProviderResult, error) {
	c, err := s.begin(ctx, "CreateOpenIDConnectProvider", "url", in.Url)
	if err != nil {
		return nil, err
	}
	key, err := ProviderKey(in.Url)
	if err != nil {
		return nil, err
	}
	providerARN := arn.OIDCProvider(c.partition(), c.account(), key)
	if err := c.authorize(providerARN, requestTags(in.Tags)); err != nil {
		return nil, err
	}
	ids, err := addClientIDs(nil, in.ClientIDList...)
	if err != nil {
		return nil, err
	}
	if err := checkThumbprints(in.ThumbprintList); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, false); err != nil {
		return nil, err
	}
	p := store.OIDCProvider{Account: c.account(), URL: key, ClientIDs: ids, Thumbprints: in.ThumbprintList, Tags: tagMap(in.Tags), CreateDate: s.now()}
	if err := s.Store.CreateOIDCProvider(ctx, p); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errProviderExists(in.Url)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return &CreateOpenIDConnectProviderResult{OpenIDConnectProviderArn: providerARN, Tags: tagList(p.Tags)}, nil
}
