package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListRolePoliciesInput is ListRolePolicies' input.
type ListRolePoliciesInput struct {
	RoleName string
	Marker   *string
	MaxItems *int32
}

// ListRolePoliciesResult is ListRolePolicies' result: inline policy names
// in name order.
type ListRolePoliciesResult struct {
	PolicyNames List[string]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listRolePolicies(ctx context.Context, in *ListRolePoliciesInput) (*ListRolePoliciesResult, error) {
	c, err := s.begin(ctx, "ListRolePolicies", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	names, next, err := c.listInline(store.KindRole, in.RoleName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListRolePoliciesResult{PolicyNames: names, IsTruncated: next != "", Marker: next}, nil
}
