package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/store"
)

// UpdateUserInput is UpdateUser's input.
type UpdateUserInput struct {
	UserName    string
	NewPath     *string
	NewUserName *string
}

// updateUser renames a user or changes its path. Like IAM it needs
// iam:UpdateUser on the user's current ARN and on its new one.
func (s *Service) updateUser(ctx context.Context, in *UpdateUserInput) (*noResult, error) {
	c, err := s.begin(ctx, "UpdateUser", "userName", in.UserName, "newUserName", str(in.NewUserName), "newPath", str(in.NewPath))
	if err != nil {
		return nil, err
	}
	u, _, err := c.user(in.UserName, true)
	if err != nil {
		return nil, err
	}
	name, path := u.Name, u.Path
	if in.NewUserName != nil {
		name = *in.NewUserName
	}
	if in.NewPath != nil {
		path = *in.NewPath
	}
	if name == u.Name && path == u.Path {
		return nil, nil
	}
	if err := c.authorize(arn.User(c.partition(), c.account(), path, name)); err != nil {
		return nil, err
	}
	err = s.Store.UpdateUser(ctx, c.account(), u.Name, func(x *store.User) error {
		x.Name, x.Path = name, path
		return nil
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, errUserExists(name)
	}
	if err != nil {
		return nil, storeErr(err)
	}
	s.invalidate()
	return nil, nil
}
