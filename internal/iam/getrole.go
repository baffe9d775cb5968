package iam

import "context"

// GetRoleInput is GetRole's input.
type GetRoleInput struct {
	RoleName string
}

// GetRoleResult is GetRole's result. The trust policy comes back
// URL-encoded, as IAM returns it; botocore (and so the AWS CLI) decodes it.
type GetRoleResult struct {
	Role Role
}

// getRole reads through the cache: it is the hottest IAM read (tools poll
// it, and the SDKs call it before assuming roles).
func (s *Service) getRole(ctx context.Context, in *GetRoleInput) (*GetRoleResult, error) {
	c, err := s.begin(ctx, "GetRole", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	r, _, err := c.role(in.RoleName, false)
	if err != nil {
		return nil, err
	}
	return &GetRoleResult{Role: roleShape(&r, c.partition(), true)}, nil
}
