package sts

import (
	"context"
	"encoding/base64"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/serverkey"
)

// DecodeAuthorizationMessageInput is DecodeAuthorizationMessage's input.
type DecodeAuthorizationMessageInput struct {
	EncodedMessage string
}

// DecodeAuthorizationMessageResult is DecodeAuthorizationMessage's result.
type DecodeAuthorizationMessageResult struct {
	DecodedMessage string
}

// EncodeAuthorizationMessage seals a decision document (JSON) so only this
// deployment can decode it, as AWS's encoded authorization messages.
func EncodeAuthorizationMessage(ring *serverkey.Ring, decoded []byte) (string, error) {
	sealed, err := ring.Seal(serverkey.PurposeSessionToken, decoded, []byte("authorization-message"))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

func (s *Service) decodeAuthorizationMessage(ctx context.Context, in any) (any, error) {
	req := in.(*DecodeAuthorizationMessageInput)
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Authz.Authorize(ctx, c, authz.Request{Action: "sts:DecodeAuthorizationMessage", Resource: "*", Event: "DecodeAuthorizationMessage", Service: "sts.amazonaws.com", PlainMessage: true}); err != nil {
		return nil, err
	}
	invalid := &apierror.Error{Code: "InvalidAuthorizationMessageException", Message: "The encoded authorization message is invalid or was not issued by this deployment.", Status: 400}
	sealed, err := base64.RawURLEncoding.DecodeString(req.EncodedMessage)
	if err != nil {
		return nil, invalid
	}
	plain, err := s.Ring.Open(serverkey.PurposeSessionToken, sealed, []byte("authorization-message"))
	if err != nil {
		return nil, invalid
	}
	return &DecodeAuthorizationMessageResult{DecodedMessage: string(plain)}, nil
}
