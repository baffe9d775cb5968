package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// GetUserPolicyInput is GetUserPolicy's input.
type GetUserPolicyInput struct {
	UserName   string
	PolicyName string
}

// GetUserPolicyResult is GetUserPolicy's result; PolicyDocument is
// URL-encoded, as IAM returns it.
type GetUserPolicyResult struct {
	UserName       string
	PolicyName     string
	PolicyDocument string
}

func (s *Service) getUserPolicy(ctx context.Context, in *GetUserPolicyInput) (*GetUserPolicyResult, error) {
	c, err := s.begin(ctx, "GetUserPolicy", "userName", in.UserName, "policyName", in.PolicyName)
	if err != nil {
		return nil, err
	}
	p, err := c.getInline(store.KindUser, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &GetUserPolicyResult{UserName: p.Owner.Name, PolicyName: p.Name, PolicyDocument: EncodeDocument(p.Document)}, nil
}
