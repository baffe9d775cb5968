package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/store"
)

// CreatePolicyInput is CreatePolicy's input.
type CreatePolicyInput struct {
	PolicyName     string
	Path           *string
	PolicyDocument string
	Description    *string
	Tags           []Tag
}

// CreatePolicyResult is CreatePolicy's result. As in IAM, it does not
// echo the description (GetPolicy does).
type CreatePolicyResult struct {
	Policy Policy
}

// createPolicy authorizes iam:CreatePolicy on the new policy's ARN, then
// validates the document as an identity policy of at most 6,144
// characters and stores it as version v1.
func (s *Service) createPolicy(ctx context.Context, in *CreatePolicyInput) (*CreatePolicyResult, error) {
	c, err := s.begin(ctx, "CreatePolicy", "policyName", in.PolicyName, "path", str(in.Path))
	if err != nil {
		return nil, err
	}
	path := pathOr(in.Path)
	policyARN := arn.Policy(c.partition(), c.account(), path, in.PolicyName)
	if err := c.authorize(policyARN, requestTags(in.Tags)); err != nil {
		return nil, err
	}
	if err := checkManagedPolicy(in.PolicyDocument); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, false); err != nil {
		return nil, err
	}
	now := s.now()
	p := store.ManagedPolicy{
		ARN: policyARN, Account: c.account(), Name: in.PolicyName, Path: path,
		PolicyID: awsid.NewUniqueID(awsid.PrefixManagedPolicy), Description: str(in.Description),
		DefaultVersionID: "v1", Versions: []store.PolicyVersion{{VersionID: "v1", Document: in.PolicyDocument, CreateDate: now}},
		CreateDate: now, UpdateDate: now, Tags: tagMap(in.Tags),
	}
	if err := s.Store.CreatePolicy(ctx, p); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, errPolicyExists(in.PolicyName)
		}
		return nil, storeErr(err)
	}
	s.invalidate()
	out := policyShape(&p, true)
	out.Description = ""
	return &CreatePolicyResult{Policy: out}, nil
}
