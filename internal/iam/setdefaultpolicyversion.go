package iam

import "context"

// SetDefaultPolicyVersionInput is SetDefaultPolicyVersion's input.
type SetDefaultPolicyVersionInput struct {
	PolicyArn string //nolint:revive // AWS member name
	VersionId string //nolint:revive // AWS member name
}

// setDefaultPolicyVersion makes a version the one in effect for every
// principal the policy is attached to.
func (s *Service) setDefaultPolicyVersion(ctx context.Context, in *SetDefaultPolicyVersionInput) (*noResult, error) {
	c, err := s.begin(ctx, "SetDefaultPolicyVersion", "policyArn", in.PolicyArn, "versionId", in.VersionId)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, false)
	if err != nil {
		return nil, err
	}
	if p.DefaultVersionID == in.VersionId {
		return nil, nil
	}
	if err := s.Store.SetDefaultPolicyVersion(ctx, p.ARN, in.VersionId); err != nil {
		return nil, versionErr(err, in.PolicyArn, in.VersionId)
	}
	s.invalidate()
	return nil, nil
}
