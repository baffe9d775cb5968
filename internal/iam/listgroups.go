package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/awsquery"
)

// ListGroupsInput is ListGroups' input.
type ListGroupsInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

// Group is an IAM group. trustbridge has no groups; the shape is here so
// the group listings answer in IAM's form.
type Group struct {
	Path       string
	GroupName  string
	GroupId    string //nolint:revive // AWS member name
	Arn        string //nolint:revive // AWS member name
	CreateDate awsquery.Time
}

// ListGroupsResult is ListGroups' result: always empty.
type ListGroupsResult struct {
	Groups      List[Group]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// listGroups answers with no groups, authorizing on
// arn:aws:iam::ACCOUNT:group/PREFIX.
func (s *Service) listGroups(ctx context.Context, in *ListGroupsInput) (*ListGroupsResult, error) {
	c, err := s.begin(ctx, "ListGroups", "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	if err := c.authorize(c.listARN("group", pathPrefix(in.PathPrefix))); err != nil {
		return nil, err
	}
	return &ListGroupsResult{Groups: List[Group]{}}, nil
}
