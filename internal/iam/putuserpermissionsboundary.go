package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// PutUserPermissionsBoundaryInput is PutUserPermissionsBoundary's input.
type PutUserPermissionsBoundaryInput struct {
	UserName            string
	PermissionsBoundary string
}

// putUserPermissionsBoundary sets a user's boundary to a managed policy of
// the account or an AWS managed policy (iam:PermissionsBoundary is the
// condition key).
func (s *Service) putUserPermissionsBoundary(ctx context.Context, in *PutUserPermissionsBoundaryInput) (*noResult, error) {
	c, err := s.begin(ctx, "PutUserPermissionsBoundary", "userName", in.UserName, "permissionsBoundary", in.PermissionsBoundary)
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, true, set("iam:PermissionsBoundary", in.PermissionsBoundary))
	if err != nil {
		return nil, err
	}
	if err := c.boundary(in.PermissionsBoundary); err != nil {
		return nil, err
	}
	err = s.Store.UpdateUser(ctx, c.account(), u.Name, func(x *store.User) error {
		x.PermissionsBoundaryARN = in.PermissionsBoundary
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
