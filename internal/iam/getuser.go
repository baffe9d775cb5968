package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/policy"
)

// GetUserInput is GetUser's input. Without UserName it describes the
// caller: the calling user, or the account root.
type GetUserInput struct {
	UserName *string
}

// GetUserResult is GetUser's result.
type GetUserResult struct {
	User User
}

func (s *Service) getUser(ctx context.Context, in *GetUserInput) (*GetUserResult, error) {
	c, err := s.begin(ctx, "GetUser", "userName", str(in.UserName))
	if err != nil {
		return nil, err
	}
	name, err := c.selfUser(in.UserName)
	if err != nil {
		return nil, err
	}
	if name == "" && c.caller.Principal.Type == policy.Root {
		// The root user: AWS answers with the account ID as UserId and
		// the root ARN, without a name or path.
		rootARN := arn.Root(c.partition(), c.account())
		if err := c.authorize(rootARN); err != nil {
			return nil, err
		}
		acct, err := s.Store.GetAccount(ctx, c.account())
		if err != nil {
			return nil, storeErr(err)
		}
		return &GetUserResult{User: User{UserId: c.account(), Arn: rootARN, CreateDate: awsquery.Time(acct.CreateDate)}}, nil
	}
	u, _, err := c.user(name, false)
	if err != nil {
		return nil, err
	}
	return &GetUserResult{User: userShape(&u, c.partition(), true)}, nil
}
