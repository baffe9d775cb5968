package iam

import "context"

// GetPolicyInput is GetPolicy's input.
type GetPolicyInput struct {
	PolicyArn string //nolint:revive // AWS member name
}

// GetPolicyResult is GetPolicy's result.
type GetPolicyResult struct {
	Policy Policy
}

// getPolicy reads the account's own managed policies and AWS managed ones.
func (s *Service) getPolicy(ctx context.Context, in *GetPolicyInput) (*GetPolicyResult, error) {
	c, err := s.begin(ctx, "GetPolicy", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, true)
	if err != nil {
		return nil, err
	}
	return &GetPolicyResult{Policy: policyShape(&p, true)}, nil
}
