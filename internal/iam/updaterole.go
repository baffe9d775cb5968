package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateRoleInput is UpdateRole's input. Absent members are left as they
// are; an empty Description clears it.
type UpdateRoleInput struct {
	RoleName           string
	Description        *string
	MaxSessionDuration *int32
}

// UpdateRoleResult is UpdateRole's (empty) result.
type UpdateRoleResult struct{}

func (s *Service) updateRole(ctx context.Context, in *UpdateRoleInput) (*UpdateRoleResult, error) {
	c, err := s.begin(ctx, "UpdateRole", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true)
	if err != nil {
		return nil, err
	}
	if in.Description != nil || in.MaxSessionDuration != nil {
		err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
			if in.Description != nil {
				x.Description = *in.Description
			}
			if in.MaxSessionDuration != nil {
				x.MaxSessionDuration = *in.MaxSessionDuration
			}
			return nil
		})
		if err != nil {
			return nil, storeErr(err)
		}
		s.invalidate()
	}
	return &UpdateRoleResult{}, nil
}
