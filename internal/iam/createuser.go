package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateUserInput is CreateUser's input.
type CreateUserInput struct {
	Path                *string
	UserName            string
	PermissionsBoundary *string
	Tags                []Tag
}

// CreateUserResult is CreateUser's result.
type CreateUserResult struct {
	User User
}

// createUser authorizes iam:CreateUser on the new user's ARN (with
// iam:PermissionsBoundary and the request tags as condition keys).
func (s *Service) createUser(ctx context.Context, in *CreateUserInput) (*CreateUserResult, error) {
	c, err := s.begin(ctx, "CreateUser", "userName", in.UserName, "path", str(in.Path), "permissionsBoundary", str(in.PermissionsBoundary))
	if err != nil {
		return nil, err
	}
	path := pathOr(in.Path)
	extra := []condition{requestTags(in.Tags)}
	if in.PermissionsBoundary != nil {
		extra = append(extra, set("iam:PermissionsBoundary", *in.PermissionsBoundary))
	}
	if err := c.authorize(arn.User(c.partition(), c.account(), path, in.UserName), extra...); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, true); err != nil {
		return nil, err
	}
	if in.PermissionsBoundary != nil {
		if err := c.boundary(*in.PermissionsBoundary); err != nil {
			return nil, err
		}
	}
	u := store.User{
		Account: c.account(), Name: in.UserName, Path: path,
		UserID: awsid.NewUniqueID(awsid.PrefixUser), CreateDate: s.now(),
		PermissionsBoundaryARN: str(in.PermissionsBoundary), Tags: tagMap(in.Tags),
	}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errUserExists(in.UserName)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	return &CreateUserResult{User: userShape(&u, c.partition(), true)}, nil
}

// pathOr returns an IAM path parameter, "/" when absent.
func pathOr(p *string) string {
	if p == nil || *p == "" {
		return "/"
	}
	return *p
}
