package iam

import "context"

// ListInstanceProfilesForRoleInput is ListInstanceProfilesForRole's input.
type ListInstanceProfilesForRoleInput struct {
	RoleName string
	Marker   *string
	MaxItems *int32
}

// ListInstanceProfilesForRoleResult is ListInstanceProfilesForRole's
// result: always empty.
type ListInstanceProfilesForRoleResult struct {
	InstanceProfiles List[InstanceProfile]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

// listInstanceProfilesForRole answers with no instance profiles for an
// existing role (Terraform calls it before deleting a role).
func (s *Service) listInstanceProfilesForRole(ctx context.Context, in *ListInstanceProfilesForRoleInput) (*ListInstanceProfilesForRoleResult, error) {
	c, err := s.begin(ctx, "ListInstanceProfilesForRole", "roleName", in.RoleName)
	if err != nil {
		return nil, err
	}
	if _, _, err := c.role(in.RoleName, false); err != nil {
		return nil, err
	}
	return &ListInstanceProfilesForRoleResult{InstanceProfiles: List[InstanceProfile]{}}, nil
}
