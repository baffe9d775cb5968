package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DetachUserPolicyInput is DetachUserPolicy's input.
type DetachUserPolicyInput struct {
	UserName  string
	PolicyArn string //nolint:revive // AWS member name
}

func (s *Service) detachUserPolicy(ctx context.Context, in *DetachUserPolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "DetachUserPolicy", "userName", in.UserName, "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, c.detach(store.KindUser, in.UserName, in.PolicyArn)
}
