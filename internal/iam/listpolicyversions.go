package iam

import "context"

// ListPolicyVersionsInput is ListPolicyVersions' input.
type ListPolicyVersionsInput struct {
	PolicyArn string //nolint:revive // AWS member name
	Marker    *string
	MaxItems  *int32
}

// ListPolicyVersionsResult is ListPolicyVersions' result: newest version
// first, without documents, as IAM lists them.
type ListPolicyVersionsResult struct {
	Versions    List[PolicyVersion]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (s *Service) listPolicyVersions(ctx context.Context, in *ListPolicyVersionsInput) (*ListPolicyVersionsResult, error) {
	c, err := s.begin(ctx, "ListPolicyVersions", "policyArn", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	p, err := c.managedPolicy(in.PolicyArn, true)
	if err != nil {
		return nil, err
	}
	all := make(List[PolicyVersion], 0, len(p.Versions))
	for i := len(p.Versions) - 1; i >= 0; i-- {
		all = append(all, versionShape(&p.Versions[i], p.DefaultVersionID, false))
	}
	page, next, err := offsetPage(all, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &ListPolicyVersionsResult{Versions: nonNil(page), IsTruncated: next != "", Marker: next}, nil
}
