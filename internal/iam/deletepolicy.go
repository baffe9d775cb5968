package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeletePolicyInput is DeletePolicy's input.
type DeletePolicyInput struct {
	PolicyArn string //nolint:revive // AWS member name
}

// deletePolicy deletes a customer managed policy that is attached to
// nothing, is nobody's permissions boundary and has only its default
// version left, answering IAM's DeleteConflict otherwise.
func (s *Service) deletePolicy(ctx context.Context, in *DeletePolicyInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeletePolicy", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, false)
	if err != nil {
		return nil, err
	}
	switch {
	case p.AttachmentCount > 0:
		return nil, errPolicyAttached
	case p.PermissionsBoundaryUsageCount > 0:
		return nil, errPolicyIsBoundary
	case len(p.Versions) > 1:
		return nil, errPolicyHasVersions
	}
	if err := s.Store.DeletePolicy(ctx, p.ARN); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchPolicy(in.PolicyArn)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
