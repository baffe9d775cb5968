package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DetachRolePolicyInput is DetachRolePolicy's input.
type DetachRolePolicyInput struct {
	RoleName  string
	PolicyArn string //nolint:revive // AWS member name
}

func (s *Service) detachRolePolicy(ctx context.Context, in *DetachRolePolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "DetachRolePolicy", "roleName", in.RoleName, "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, c.detach(store.KindRole, in.RoleName, in.PolicyArn)
}
