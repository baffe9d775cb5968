package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// PutRolePermissionsBoundaryInput is PutRolePermissionsBoundary's input.
type PutRolePermissionsBoundaryInput struct {
	RoleName            string
	PermissionsBoundary string
}

// putRolePermissionsBoundary sets a role's boundary to a managed policy of
// the account or an AWS managed policy (iam:PermissionsBoundary is the
// condition key). Existing sessions of the role are bound by it at once.
func (s *Service) putRolePermissionsBoundary(ctx context.Context, in *PutRolePermissionsBoundaryInput) (*noResult, error) {
	c, err := s.begin(ctx, "PutRolePermissionsBoundary", "roleName", in.RoleName, "permissionsBoundary", in.PermissionsBoundary)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true, set("iam:PermissionsBoundary", in.PermissionsBoundary))
	if err != nil {
		return nil, err
	}
	if err := c.boundary(in.PermissionsBoundary); err != nil {
		return nil, err
	}
	err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
		x.PermissionsBoundaryARN = in.PermissionsBoundary
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
