package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DeleteUserPermissionsBoundaryInput is DeleteUserPermissionsBoundary's input.
type DeleteUserPermissionsBoundaryInput struct {
	UserName string
}

// deleteUserPermissionsBoundary removes a user's boundary; a user without
// one is left as it is.
func (s *Service) deleteUserPermissionsBoundary(ctx context.Context, in *DeleteUserPermissionsBoundaryInput) (*noResult, error) {
	c, err := s.begin(ctx, "DeleteUserPermissionsBoundary", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, true)
	if err != nil {
		return nil, err
	}
	if u.PermissionsBoundaryARN == "" {
		return nil, nil
	}
	err = s.Store.UpdateUser(ctx, c.account(), u.Name, func(x *store.User) error {
		x.PermissionsBoundaryARN = ""
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
