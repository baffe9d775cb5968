package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// GetPolicyVersionInput is GetPolicyVersion's input.
type GetPolicyVersionInput struct {
	PolicyArn string //nolint:revive // AWS member name
	VersionId string //nolint:revive // AWS member name
}

// GetPolicyVersionResult is GetPolicyVersion's result; the document is
// URL-encoded, as IAM returns it.
type GetPolicyVersionResult struct {
	PolicyVersion PolicyVersion
}

func (s *Service) getPolicyVersion(ctx context.Context, in *GetPolicyVersionInput) (*GetPolicyVersionResult, error) {
	c, err := s.begin(ctx, "GetPolicyVersion", "policyArn", in.PolicyArn, "versionId", in.VersionId)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, true)
	if err != nil {
		return nil, err
	}
	for i := range p.Versions {
		if p.Versions[i].VersionID == in.VersionId {
			return &GetPolicyVersionResult{PolicyVersion: versionShape(&p.Versions[i], p.DefaultVersionID, true)}, nil
		}
	}
	return nil, errNoSuchPolicyVersion(in.PolicyArn, in.VersionId)
}

// versionErr maps the store's answer about one policy version.
func versionErr(err error, policyARN, versionID string) error {
	var se *store.Error
	switch {
	case errors.As(err, &se) && se.Entity == store.EntityPolicy && errors.Is(err, store.ErrNotFound):
		return errNoSuchPolicy(policyARN)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid):
		return errNoSuchPolicyVersion(policyARN, versionID)
	case errors.Is(err, store.ErrConflict):
		return errDeleteDefaultVersion
	}
	return storeErr(err)
}
