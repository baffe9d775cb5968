package sts

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsid"
)

// GetAccessKeyInfoInput is GetAccessKeyInfo's input.
type GetAccessKeyInfoInput struct {
	AccessKeyId string //nolint:revive // AWS member name
}

// GetAccessKeyInfoResult is GetAccessKeyInfo's result.
type GetAccessKeyInfoResult struct {
	Account string
}

// getAccessKeyInfo returns the account encoded in any key ID, trustbridge's
// or AWS's, as AWS does: the key need not exist.
func (s *Service) getAccessKeyInfo(ctx context.Context, in any) (any, error) {
	req := in.(*GetAccessKeyInfoInput)
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Authz.Authorize(ctx, c, authz.Request{Action: "sts:GetAccessKeyInfo", Resource: "*", Event: "GetAccessKeyInfo", Service: "sts.amazonaws.com", PlainMessage: true}); err != nil {
		return nil, err
	}
	acct, err := awsid.AccountFromAccessKeyID(req.AccessKeyId)
	if err != nil {
		return nil, &apierror.Error{Code: "InvalidParameterValue", Message: "The access key ID " + req.AccessKeyId + " is not valid.", Status: 400}
	}
	return &GetAccessKeyInfoResult{Account: acct}, nil
}
