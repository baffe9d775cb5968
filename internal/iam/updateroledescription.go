package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateRoleDescriptionInput is UpdateRoleDescription's input.
type UpdateRoleDescriptionInput struct {
	RoleName    string
	Description string
}

// UpdateRoleDescriptionResult is UpdateRoleDescription's result: the
// updated role.
type UpdateRoleDescriptionResult struct {
	Role Role
}

func (s *Service) updateRoleDescription(ctx context.Context, in *UpdateRoleDescriptionInput) (*UpdateRoleDescriptionResult, error) {
	c, err := s.begin(ctx, "UpdateRoleDescription", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true)
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
		x.Description = in.Description
		r = *x
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return &UpdateRoleDescriptionResult{Role: roleShape(&r, c.partition(), true)}, nil
}
