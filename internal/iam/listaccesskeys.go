package iam

import "context"

// ListAccessKeysInput is ListAccessKeys' input. Without UserName it lists
// the caller's keys.
type ListAccessKeysInput struct {
	UserName *string
	Marker   *string
	MaxItems *int32
}

// ListAccessKeysResult is ListAccessKeys' result, oldest key first.
type ListAccessKeysResult struct {
	AccessKeyMetadata List[AccessKeyMetadata]
	IsTruncated       bool
	Marker            string `xml:",omitempty"`
}

func (s *Service) listAccessKeys(ctx context.Context, in *ListAccessKeysInput) (*ListAccessKeysResult, error) {
	c, err := s.begin(ctx, "ListAccessKeys", "userName", str(in.UserName))
	if err != nil {
		return nil, err
	}
	name, err := c.keyOwner(in.UserName)
	if err != nil {
		return nil, err
	}
	keys, err := s.Store.ListAccessKeys(ctx, c.account(), name)
	if err != nil {
		return nil, storeErr(err)
	}
	all := make(List[AccessKeyMetadata], 0, len(keys))
	for i := range keys {
		all = append(all, accessKeyMetadata(&keys[i]))
	}
	page, next, err := offsetPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListAccessKeysResult{AccessKeyMetadata: nonNil(page), IsTruncated: next != "", Marker: next}, nil
}
