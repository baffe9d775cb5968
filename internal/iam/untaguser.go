package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UntagUserInput is UntagUser's input.
type UntagUserInput struct {
	UserName string
	TagKeys  []string
}

// untagUser removes tags; keys that are not there are ignored, as in IAM.
func (s *Service) untagUser(ctx context.Context, in *UntagUserInput) (*noResult, error) {
	c, err := s.begin(ctx, "UntagUser", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, true, tagKeysContext(in.TagKeys))
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdateUser(ctx, c.account(), u.Name, func(x *store.User) error {
		x.Tags = removeTags(x.Tags, in.TagKeys, true)
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
