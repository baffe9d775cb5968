package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// TagRoleInput is TagRole's input.
type TagRoleInput struct {
	RoleName string
	Tags     []Tag
}

// tagRole adds or replaces tags. Role tag keys are case-insensitive in
// IAM: a new key replaces one that differs only in case.
func (s *Service) tagRole(ctx context.Context, in *TagRoleInput) (*noResult, error) {
	c, err := s.begin(ctx, "TagRole", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true, requestTags(in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
		tags, err := mergeTags(x.Tags, in.Tags, true, "Role")
		x.Tags = tags
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
