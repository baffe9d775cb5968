package sts

import "context"

// GetCallerIdentityInput has no members.
type GetCallerIdentityInput struct{}

// GetCallerIdentityResult is GetCallerIdentity's result.
type GetCallerIdentityResult struct {
	UserId  string //nolint:revive // AWS member name
	Account string
	Arn     string
}

// getCallerIdentity is always allowed, as in AWS: it needs no permission.
func (s *Service) getCallerIdentity(ctx context.Context, _ any) (any, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return &GetCallerIdentityResult{UserId: c.Principal.UserID, Account: c.Principal.Account, Arn: c.Principal.ARN}, nil
}
