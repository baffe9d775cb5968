package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// PutUserPolicyInput is PutUserPolicy's input.
type PutUserPolicyInput struct {
	UserName       string
	PolicyName     string
	PolicyDocument string
}

// putUserPolicy creates or replaces an inline policy after validating it
// as an identity policy within the user's aggregate inline quota.
func (s *Service) putUserPolicy(ctx context.Context, in *PutUserPolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "PutUserPolicy", "userName", in.UserName, "policyName", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return nil, c.putInline(store.KindUser, in.UserName, in.PolicyName, in.PolicyDocument)
}
