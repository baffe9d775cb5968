package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteRolePolicyInput is DeleteRolePolicy's input.
type DeleteRolePolicyInput struct {
	RoleName   string
	PolicyName string
}

func (s *Service) deleteRolePolicy(ctx context.Context, in *DeleteRolePolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteRolePolicy", "roleName", in.RoleName, "policyName", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return nil, c.deleteInline(store.KindRole, in.RoleName, in.PolicyName)
}
