package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UntagRoleInput is UntagRole's input.
type UntagRoleInput struct {
	RoleName string
	TagKeys  []string
}

// untagRole removes tags; keys that are not there are ignored, as in IAM.
func (s *Service) untagRole(ctx context.Context, in *UntagRoleInput) (*noResult, error) {
	c, err := s.begin(ctx, "UntagRole", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true, tagKeysContext(in.TagKeys))
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
		x.Tags = removeTags(x.Tags, in.TagKeys, true)
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
