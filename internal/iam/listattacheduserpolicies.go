package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListAttachedUserPoliciesInput is ListAttachedUserPolicies' input.
type ListAttachedUserPoliciesInput struct {
	UserName   string
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

// ListAttachedUserPoliciesResult is ListAttachedUserPolicies' result, in
// policy name order.
type ListAttachedUserPoliciesResult struct {
	AttachedPolicies List[AttachedPolicy]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

func (s *Service) listAttachedUserPolicies(ctx context.Context, in *ListAttachedUserPoliciesInput) (*ListAttachedUserPoliciesResult, error) {
	c, err := s.begin(ctx, "ListAttachedUserPolicies", "userName", in.UserName, "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	ps, next, err := c.listAttached(store.KindUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListAttachedUserPoliciesResult{AttachedPolicies: ps, IsTruncated: next != "", Marker: next}, nil
}
