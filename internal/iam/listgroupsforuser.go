package iam

import "context"

// ListGroupsForUserInput is ListGroupsForUser's input.
type ListGroupsForUserInput struct {
	UserName string
	Marker   *string
	MaxItems *int32
}

// ListGroupsForUserResult is ListGroupsForUser's result: always empty.
type ListGroupsForUserResult struct {
	Groups      List[Group]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// listGroupsForUser answers with no groups for an existing user (tools
// call it before deleting a user).
func (s *Service) listGroupsForUser(ctx context.Context, in *ListGroupsForUserInput) (*ListGroupsForUserResult, error) {
	c, err := s.begin(ctx, "ListGroupsForUser", "userName", in.UserName)
	if err != nil {
		return nil, err
	}
	if _, _, err := c.user(in.UserName, false); err != nil {
		return nil, err
	}
	return &ListGroupsForUserResult{Groups: List[Group]{}}, nil
}
