package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListRolesInput is ListRoles' input.
type ListRolesInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

// ListRolesResult is ListRoles' result. Like IAM's it leaves out each
// role's tags, permissions boundary and last use.
type ListRolesResult struct {
	Roles       List[Role]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// listRoles authorizes iam:ListRoles on arn:aws:iam::ACCOUNT:role/PREFIX.
func (s *Service) listRoles(ctx context.Context, in *ListRolesInput) (*ListRolesResult, error) {
	c, err := s.begin(ctx, "ListRoles", "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	prefix := pathPrefix(in.PathPrefix)
	if err := c.authorize(c.listARN("role", prefix)); err != nil {
		return nil, err
	}
	roles, next, err := s.Store.ListRoles(ctx, c.account(), store.ListOptions{Page: storePage(in.Marker, in.MaxItems), PathPrefix: prefix})
	if err != nil {
		return nil, storeErr(err)
	}
	out := &ListRolesResult{Roles: make(List[Role], 0, len(roles)), IsTruncated: next != "", Marker: next}
	for i := range roles {
		out.Roles = append(out.Roles, roleShape(&roles[i], c.partition(), false))
	}
	return out, nil
}
