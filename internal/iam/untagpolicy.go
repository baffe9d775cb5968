package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// UntagPolicyInput is UntagPolicy's input.
type UntagPolicyInput struct {
	PolicyArn string //nolint:revive // AWS member name
	TagKeys   []string
}

func (s *Service) untagPolicy(ctx context.Context, in *UntagPolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "UntagPolicy", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, false, tagKeysContext(in.TagKeys))
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdatePolicy(ctx, p.ARN, func(x *store.ManagedPolicy) error {
		x.Tags = removeTags(x.Tags, in.TagKeys, false)
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
