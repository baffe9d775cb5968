package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteRolePermissionsBoundaryInput is DeleteRolePermissionsBoundary's input.
type DeleteRolePermissionsBoundaryInput struct {
	RoleName string
}

// deleteRolePermissionsBoundary removes a role's boundary; a role without
// one is left as it is.
func (s *Service) deleteRolePermissionsBoundary(ctx context.Context, in *DeleteRolePermissionsBoundaryInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteRolePermissionsBoundary", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true)
	if err != nil {
		return nil, err
	}
	if r.PermissionsBoundaryARN == "" {
		return nil, nil
	}
	err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
		x.PermissionsBoundaryARN = ""
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
