package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// PutRolePolicyInput is PutRolePolicy's input.
type PutRolePolicyInput struct {
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

// putRolePolicy creates or replaces an inline policy after validating it
// as an identity policy within the role's aggregate inline quota.
func (s *Service) putRolePolicy(ctx context.Context, in *PutRolePolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "PutRolePolicy", "roleName", in.RoleName, "policyName", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return nil, c.putInline(store.KindRole, in.RoleName, in.PolicyName, in.PolicyDocument)
}
