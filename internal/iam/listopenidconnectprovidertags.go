package iam

import "context"

// ListOpenIDConnectProviderTagsInput is ListOpenIDConnectProviderTags' input.
type ListOpenIDConnectProviderTagsInput struct {
	OpenIDConnectProviderArn string //nolint:revive // AWS member name
	Marker                   *string
	MaxItems                 *int32
}

// ListOpenIDConnectProviderTagsResult is ListOpenIDConnectProviderTags'
// result; tags are sorted by key.
type ListOpenIDConnectProviderTagsResult struct {
	Tags        List[Tag]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listOpenIDConnectProviderTags(ctx context.Context, in *ListOpenIDConnectProviderTagsInput) (*ListOpenIDConnectProviderTagsResult, error) {
	c, err := s.begin(ctx, "ListOpenIDConnectProviderTags", "openIDConnectProviderArn", in.OpenIDConnectProviderArn)
	if err != nil {
		return nil, err
	}
	p, err := c.provider(in.OpenIDConnectProviderArn, false)
	if err != nil {
		return nil, err
	}
	tags, next, err := offsetPage(tagList(p.Tags), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListOpenIDConnectProviderTagsResult{Tags: nonNil(tags), IsTruncated: next != "", Marker: next}, nil
}
