package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// CreatePolicyVersionInput is CreatePolicyVersion's input.
type CreatePolicyVersionInput struct {
	PolicyArn      string //nolint:revive // AWS member name
	PolicyDocument string
	SetAsDefault   bool
}

// CreatePolicyVersionResult is CreatePolicyVersion's result (without the
// document, as IAM's).
type CreatePolicyVersionResult struct {
	PolicyVersion PolicyVersion
}

// createPolicyVersion validates the document as a managed policy and adds
// the next version; a policy has at most five.
func (s *Service) createPolicyVersion(ctx context.Context, in *CreatePolicyVersionInput) (*CreatePolicyVersionResult, error) {
	c, err := s.begin(ctx, "CreatePolicyVersion", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, false)
	if err != nil {
		return nil, err
	}
	if err := checkManagedPolicy(in.PolicyDocument); err != nil {
		return nil, err
	}
	if len(p.Versions) >= store.MaxPolicyVersions {
		return nil, errTooManyVersions()
	}
	v, err := s.Store.CreatePolicyVersion(ctx, p.ARN, store.PolicyVersion{Document: in.PolicyDocument, CreateDate: s.now()}, in.SetAsDefault)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchPolicy(in.PolicyArn)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	def := p.DefaultVersionID
	if in.SetAsDefault {
		def = v.VersionID
	}
	return &CreatePolicyVersionResult{PolicyVersion: versionShape(&v, def, false)}, nil
}
