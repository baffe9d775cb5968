package iam

import "context"

// ListInstanceProfilesInput is ListInstanceProfiles' input.
type ListInstanceProfilesInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int32
}

// ListInstanceProfilesResult is ListInstanceProfiles' result: always empty.
type ListInstanceProfilesResult struct {
	InstanceProfiles List[InstanceProfile]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

// listInstanceProfiles answers with no instance profiles, authorizing on
// arn:aws:iam::ACCOUNT:instance-profile/PREFIX.
func (s *Service) listInstanceProfiles(ctx context.Context, in *ListInstanceProfilesInput) (*ListInstanceProfilesResult, error) {
	c, err := s.begin(ctx, "ListInstanceProfiles", "pathPrefix", str(in.PathPrefix))
	if err != nil {
		return nil, err
	}
	if err := c.authorize(c.listARN("instance-profile", pathPrefix(in.PathPrefix))); err != nil {
		return nil, err
	}
	return &ListInstanceProfilesResult{InstanceProfiles: List[InstanceProfile]{}}, nil
}
