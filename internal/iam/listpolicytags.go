package iam

import "context"

// ListPolicyTagsInput is ListPolicyTags' input.
type ListPolicyTagsInput struct {
	PolicyArn string //nolint:revive // AWS member name
	Marker    *string
	MaxItems  *int32
}

// ListPolicyTagsResult is ListPolicyTags' result; tags are sorted by key.
type ListPolicyTagsResult struct {
	Tags        List[Tag]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listPolicyTags(ctx context.Context, in *ListPolicyTagsInput) (*ListPolicyTagsResult, error) {
	c, err := s.begin(ctx, "ListPolicyTags", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, true)
	if err != nil {
		return nil, err
	}
	tags, next, err := offsetPage(tagList(p.Tags), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListPolicyTagsResult{Tags: nonNil(tags), IsTruncated: next != "", Marker: next}, nil
}
