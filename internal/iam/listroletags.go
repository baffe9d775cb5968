package iam

import "context"

// ListRoleTagsInput is ListRoleTags' input.
type ListRoleTagsInput struct {
	RoleName string
	Marker   *string
	MaxItems *int32
}

// ListRoleTagsResult is ListRoleTags' result; tags are sorted by key.
type ListRoleTagsResult struct {
	Tags        List[Tag]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listRoleTags(ctx context.Context, in *ListRoleTagsInput) (*ListRoleTagsResult, error) {
	c, err := s.begin(ctx, "ListRoleTags", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, false)
	if err != nil {
		return nil, err
	}
	tags, next, err := offsetPage(tagList(r.Tags), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListRoleTagsResult{Tags: nonNil(tags), IsTruncated: next != "", Marker: next}, nil
}
