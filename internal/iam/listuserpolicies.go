package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListUserPoliciesInput is ListUserPolicies' input.
type ListUserPoliciesInput struct {
	UserName string
	Marker   *string
	MaxItems *int32
}

// ListUserPoliciesResult is ListUserPolicies' result: inline policy names
// in name order.
type ListUserPoliciesResult struct {
	PolicyNames List[string]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listUserPolicies(ctx context.Context, in *ListUserPoliciesInput) (*ListUserPoliciesResult, error) {
	c, err := s.begin(ctx, "ListUserPolicies", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	names, next, err := c.listInline(store.KindUser, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListUserPoliciesResult{PolicyNames: names, IsTruncated: next != "", Marker: next}, nil
}
