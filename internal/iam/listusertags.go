package iam

import "context"

// ListUserTagsInput is ListUserTags' input.
type ListUserTagsInput struct {
	UserName string
	Marker   *string
	MaxItems *int32
}

// ListUserTagsResult is ListUserTags' result; tags are sorted by key.
type ListUserTagsResult struct {
	Tags        List[Tag]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listUserTags(ctx context.Context, in *ListUserTagsInput) (*ListUserTagsResult, error) {
	c, err := s.begin(ctx, "ListUserTags", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, false)
	if err != nil {
		return nil, err
	}
	tags, next, err := offsetPage(tagList(u.Tags), in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListUserTagsResult{Tags: nonNil(tags), IsTruncated: next != "", Marker: next}, nil
}

// nonNil returns l, or an empty list for nil, so that a required list is
// written as an empty element.
func nonNil[T any](l List[T]) List[T] {
	if l == nil {
		return List[T]{}
	}
	return l
}
