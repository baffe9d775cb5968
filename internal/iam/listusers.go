package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// ListUsersInput is ListUsers' input.
type ListUsersInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

// ListUsersResult is ListUsers' result. Like IAM's it leaves out each
// user's tags and permissions boundary.
type ListUsersResult struct {
	Users       List[User]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// listUsers authorizes iam:ListUsers on arn:aws:iam::ACCOUNT:user/PREFIX.
func (s *Service) listUsers(ctx context.Context, in *ListUsersInput) (*ListUsersResult, error) {
	c, err := s.begin(ctx, "ListUsers", "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	prefix := pathPrefix(in.PathPrefix)
	if err := c.authorize(c.listARN("user", prefix)); err != nil {
		return nil, err
	}
	users, next, err := s.Store.ListUsers(ctx, c.account(), store.ListOptions{Page: storePage(in.Marker, in.MaxItems), PathPrefix: prefix})
	if err != nil {
		return nil, storeErr(err)
	}
	out := &ListUsersResult{Users: make(List[User], 0, len(users)), IsTruncated: next != "", Marker: next}
	for i := range users {
		out.Users = append(out.Users, userShape(&users[i], c.partition(), false))
	}
	return out, nil
}

// listARN is the resource IAM authorizes List* calls on: the account's
// resource type with the path prefix, e.g. arn:aws:iam::123456789012:role/.
func (c *call) listARN(typ, prefix string) string {
	return "arn:" + c.partition() + ":iam::" + c.account() + ":" + typ + prefix
}
