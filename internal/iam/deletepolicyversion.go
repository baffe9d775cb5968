package iam

import "context"

// DeletePolicyVersionInput is DeletePolicyVersion's input.
type DeletePolicyVersionInput struct {
	PolicyArn string //nolint:revive // AWS member name
	VersionId string //nolint:revive // AWS member name
}

// deletePolicyVersion deletes a version that is not the default one.
func (s *Service) deletePolicyVersion(ctx context.Context, in *DeletePolicyVersionInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeletePolicyVersion", "policyArn", in.PolicyArn, "versionId", in.VersionId)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, false)
	if err != nil {
		return nil, err
	}
	if p.DefaultVersionID == in.VersionId {
		return nil, errDeleteDefaultVersion
	}
	if err := s.Store.DeletePolicyVersion(ctx, p.ARN, in.VersionId); err != nil {
		return nil, versionErr(err, in.PolicyArn, in.VersionId)
	}
	s.invalidate()
	return nil, nil
}
