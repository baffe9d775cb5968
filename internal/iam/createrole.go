package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/store"
)

// CreateRoleInput is CreateRole's input.
type CreateRoleInput struct {
	Path                     *string
	RoleName                 string
	AssumeRolePolicyDocument string
	Description              *string
	MaxSessionDuration       *int32
	PermissionsBoundary      *string
	Tags                     []Tag
}

// CreateRoleResult is CreateRole's result.
type CreateRoleResult struct {
	Role Role
}

// createRole authorizes iam:CreateRole on the new role's ARN (with
// iam:PermissionsBoundary and the request tags as condition keys), then
// validates the trust policy (KindTrust, 2,048 characters) before writing.
func (s *Service) createRole(ctx context.Context, in *CreateRoleInput) (*CreateRoleResult, error) {
	c, err := s.begin(ctx, "CreateRole", "roleName", in.RoleName, "path", str(in.Path), "permissionsBoundary", str(in.PermissionsBoundary))
	if err != nil {
		return nil, err
	}
	path := pathOr(in.Path)
	extra := []condition{requestTags(in.Tags)}
	if in.PermissionsBoundary != nil {
		extra = append(extra, set("iam:PermissionsBoundary", *in.PermissionsBoundary))
	}
	if err := c.authorize(arn.Role(c.partition(), c.account(), path, in.RoleName), extra...); err != nil {
		return nil, err
	}
	if err := checkTrustPolicy(in.AssumeRolePolicyDocument); err != nil {
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
	msd := int32(defaultMaxSessionDuration)
	if in.MaxSessionDuration != nil {
		msd = *in.MaxSessionDuration
	}
	r := store.Role{
		Account: c.account(), Name: in.RoleName, Path: path,
		RoleID: awsid.NewUniqueID(awsid.PrefixRole), CreateDate: s.now(),
		TrustPolicy: in.AssumeRolePolicyDocument, Description: str(in.Description),
		MaxSessionDuration: msd, PermissionsBoundaryARN: str(in.PermissionsBoundary), Tags: tagMap(in.Tags),
	}
	if err := s.Store.CreateRole(ctx, r); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errRoleExists(in.RoleName)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	out := roleShape(&r, c.partition(), false)
	out.PermissionsBoundary = boundaryShape(r.PermissionsBoundaryARN)
	out.Tags = tagList(r.Tags)
	return &CreateRoleResult{Role: out}, nil
}
