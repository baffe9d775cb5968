package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteUserPolicyInput is DeleteUserPolicy's input.
type DeleteUserPolicyInput struct {
	UserName   string
	PolicyName string
}

func (s *Service) deleteUserPolicy(ctx context.Context, in *DeleteUserPolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteUserPolicy", "userName", in.UserName, "policyName", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return nil, c.deleteInline(store.KindUser, in.UserName, in.PolicyName)
}
