package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListAttachedRolePoliciesInput is ListAttachedRolePolicies' input.
type ListAttachedRolePoliciesInput struct {
	RoleName   string
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

// ListAttachedRolePoliciesResult is ListAttachedRolePolicies' result, in
// policy name order.
type ListAttachedRolePoliciesResult struct {
	AttachedPolicies List[AttachedPolicy]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

func (s *Service) listAttachedRolePolicies(ctx context.Context, in *ListAttachedRolePoliciesInput) (*ListAttachedRolePoliciesResult, error) {
	c, err := s.begin(ctx, "ListAttachedRolePolicies", "roleName", in.RoleName, "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	ps, next, err := c.listAttached(store.KindRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListAttachedRolePoliciesResult{AttachedPolicies: ps, IsTruncated: next != "", Marker: next}, nil
}
