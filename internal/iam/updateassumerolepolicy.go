package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateAssumeRolePolicyInput is UpdateAssumeRolePolicy's input.
type UpdateAssumeRolePolicyInput struct {
	RoleName       string
	PolicyDocument string
}

// updateAssumeRolePolicy replaces a role's trust policy after validating
// it as a trust policy of at most 2,048 characters.
func (s *Service) updateAssumeRolePolicy(ctx context.Context, in *UpdateAssumeRolePolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "UpdateAssumeRolePolicy", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, true)
	if err != nil {
		return nil, err
	}
	if err := checkTrustPolicy(in.PolicyDocument); err != nil {
		return nil, err
	}
	err = s.Store.UpdateRole(ctx, c.account(), r.Name, func(x *store.Role) error {
		x.TrustPolicy = in.PolicyDocument
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
