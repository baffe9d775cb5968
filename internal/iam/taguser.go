package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// TagUserInput is TagUser's input.
type TagUserInput struct {
	UserName string
	Tags     []Tag
}

// tagUser adds or replaces tags. User tag keys are case-insensitive in
// IAM: a new key replaces one that differs only in case.
func (s *Service) tagUser(ctx context.Context, in *TagUserInput) (*noResult, error) {
	c, err := s.begin(ctx, "TagUser", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, true, requestTags(in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdateUser(ctx, c.account(), u.Name, func(x *store.User) error {
		tags, err := mergeTags(x.Tags, in.Tags, true, "User")
		x.Tags = tags
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
