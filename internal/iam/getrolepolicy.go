package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// GetRolePolicyInput is GetRolePolicy's input.
type GetRolePolicyInput struct {
	RoleName   string
	PolicyName string
}

// GetRolePolicyResult is GetRolePolicy's result; PolicyDocument is
// URL-encoded, as IAM returns it.
type GetRolePolicyResult struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

func (s *Service) getRolePolicy(ctx context.Context, in *GetRolePolicyInput) (*GetRolePolicyResult, error) {
	c, err := s.begin(ctx, "GetRolePolicy", "roleName", in.RoleName, "policyName", in.PolicyName)
	if err != nil {
		return nil, err
	}
	p, err := c.getInline(store.KindRole, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &GetRolePolicyResult{RoleName: p.Owner.Name, PolicyName: p.Name, PolicyDocument: EncodeDocument(p.Document)}, nil
}
