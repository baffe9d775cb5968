package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// TagPolicyInput is TagPolicy's input.
type TagPolicyInput struct {
	PolicyArn string //nolint:revive // AWS member name
	Tags      []Tag
}

// tagPolicy adds or replaces tags of a customer managed policy (keys are
// case-sensitive for policies).
func (s *Service) tagPolicy(ctx context.Context, in *TagPolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "TagPolicy", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, false, requestTags(in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.Store.UpdatePolicy(ctx, p.ARN, func(x *store.ManagedPolicy) error {
		tags, err := mergeTags(x.Tags, in.Tags, false, "Policy")
		x.Tags = tags
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
