package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListPoliciesInput is ListPolicies' input. PolicyUsageFilter is accepted
// and not applied: trustbridge lists every policy whatever it is used for.
type ListPoliciesInput struct {
	Scope             *string
	OnlyAttached      bool
	PathPrefix        *string
	PolicyUsageFilter *string
	Marker            *string
	MaxItems          *int32
}

// ListPoliciesResult is ListPolicies' result. Like IAM's it leaves out
// each policy's tags.
type ListPoliciesResult struct {
	Policies    List[Policy]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// listPolicies authorizes iam:ListPolicies on
// arn:aws:iam::ACCOUNT:policy/PREFIX and lists the account's policies and
// the AWS managed ones (Scope All, the default), ordered by name.
func (s *Service) listPolicies(ctx context.Context, in *ListPoliciesInput) (*ListPoliciesResult, error) {
	c, err := s.begin(ctx, "ListPolicies", "scope", str(in.Scope), "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	prefix := pathPrefix(in.PathPrefix)
	if err := c.authorize(c.listARN("policy", prefix)); err != nil {
		return nil, err
	}
	scope := store.ScopeAll
	if in.Scope != nil && *in.Scope != "" {
		scope = store.PolicyScope(*in.Scope)
	}
	ps, next, err := s.Store.ListPolicies(ctx, store.PolicyListOptions{
		ListOptions: store.ListOptions{Page: storePage(in.Marker, in.MaxItems), PathPrefix: prefix},
		Account:     c.account(), Scope: scope, OnlyAttached: in.OnlyAttached,
	})
	if err != nil {
		return nil, storeErr(err)
	}
	out := &ListPoliciesResult{Policies: make(List[Policy], 0, len(ps)), IsTruncated: next != "", Marker: next}
	for i := range ps {
		out.Policies = append(out.Policies, policyShape(&ps[i], false))
	}
	return out, nil
}
