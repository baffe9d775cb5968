package iam

import (
	"context"
	"errors"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/store"
)

// GetAccessKeyLastUsedInput is GetAccessKeyLastUsed's input.
type GetAccessKeyLastUsedInput struct {
	AccessKeyId string //nolint:revive // AWS member name
}

// AccessKeyLastUsed is when, where and with which service a key was last
// used; "N/A" service and region for a key never used, as IAM says.
type AccessKeyLastUsed struct {
	LastUsedDate *awsquery.Time `xml:",omitempty"`
	ServiceName  string
	Region       string
}

// GetAccessKeyLastUsedResult is GetAccessKeyLastUsed's result. UserName is
// absent for the account root's keys.
type GetAccessKeyLastUsedResult struct {
	UserName          string `xml:",omitempty"`
	AccessKeyLastUsed AccessKeyLastUsed
}

// getAccessKeyLastUsed authorizes on the key owner's ARN (the root's for
// root keys).
func (s *Service) getAccessKeyLastUsed(ctx context.Context, in *GetAccessKeyLastUsedInput) (*GetAccessKeyLastUsedResult, error) {
	c, err := s.begin(ctx, "GetAccessKeyLastUsed", "accessKeyId", in.AccessKeyId)
	if err != nil {
		return nil, err
	}
	k, err := s.Store.GetAccessKey(ctx, in.AccessKeyId)
	if errors.Is(err, store.ErrNotFound) || err == nil && k.Account != c.account() {
		if aerr := c.authorize(c.listARN("user", "/")); aerr != nil {
			return nil, aerr
		}
		return nil, errNoSuchAccessKey(in.AccessKeyId)
	}
	if err != nil {
		return nil, storeErr(err)
	}
	if k.UserName == "" {
		err = c.authorize(arn.Root(c.partition(), c.account()))
	} else {
		_, _, err = c.user(k.UserName, false)
	}
	if err != nil {
		return nil, err
	}
	out := &GetAccessKeyLastUsedResult{UserName: k.UserName, AccessKeyLastUsed: AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}}
	if k.LastUsed != nil && !k.LastUsed.Date.IsZero() {
		out.AccessKeyLastUsed = AccessKeyLastUsed{LastUsedDate: timePtr(awsquery.Time(k.LastUsed.Date)), ServiceName: orNA(k.LastUsed.ServiceName), Region: orNA(k.LastUsed.Region)}
	}
	return out, nil
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}
