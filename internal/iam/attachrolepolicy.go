package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// AttachRolePolicyInput is AttachRolePolicy's input.
type AttachRolePolicyInput struct {
	RoleName  string
	PolicyArn string //nolint:revive // AWS member name
}

// attachRolePolicy authorizes iam:AttachRolePolicy on the role with
// iam:PolicyARN as condition key.
func (s *Service) attachRolePolicy(ctx context.Context, in *AttachRolePolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "AttachRolePolicy", "roleName", in.RoleName, "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, c.attach(store.KindRole, in.RoleName, in.PolicyArn)
}
