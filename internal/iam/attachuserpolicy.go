package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// AttachUserPolicyInput is AttachUserPolicy's input.
type AttachUserPolicyInput struct {
	UserName  string
	PolicyArn string //nolint:revive // AWS member name
}

// attachUserPolicy authorizes iam:AttachUserPolicy on the user with
// iam:PolicyARN as condition key.
func (s *Service) attachUserPolicy(ctx context.Context, in *AttachUserPolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "AttachUserPolicy", "userName", in.UserName, "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return nil, c.attach(store.KindUser, in.UserName, in.PolicyArn)
}
