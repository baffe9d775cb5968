package sts

import (
	"context"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
)

// GetSessionTokenInput is GetSessionToken's input.
type GetSessionTokenInput struct {
	DurationSeconds *int32
	SerialNumber    *string
	TokenCode       *string
}

// GetSessionTokenResult is GetSessionToken's result.
type GetSessionTokenResult struct {
	Credentials Credentials
}

// getSessionToken issues temporary credentials for the calling IAM user or
// root user. It needs no permission, as in AWS, but refuses session
// credentials.
func (s *Service) getSessionToken(ctx context.Context, in any) (any, error) {
	req := in.(*GetSessionTokenInput)
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if c.Temporary {
		return nil, apierror.AccessDenied("Cannot call GetSessionToken with session credentials").WithExplanation("GetSessionToken needs long-term credentials of an IAM user or the root user")
	}
	if req.SerialNumber != nil || req.TokenCode != nil {
		return nil, apierror.AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.").WithExplanation("trustbridge does not emulate MFA devices")
	}
	d := int32(43200)
	maxDur := int32(129600)
	if c.IsRoot() {
		d, maxDur = 3600, 3600
	}
	if req.DurationSeconds != nil {
		d = *req.DurationSeconds
	}
	if d > maxDur {
		return nil, apierror.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for the root user.")
	}
	now := s.now().UTC()
	sess := &sessiontoken.Session{
		Account: c.Principal.Account, Type: sessiontoken.TypeGetSessionToken,
		PrincipalARN: c.Principal.ARN, UserID: c.Principal.UserID, SessionName: c.UserName,
		IssuedAt: now, Expiration: now.Add(time.Duration(d) * time.Second),
		SourceAccessKeyID: c.AccessKeyID, SourcePrincipalARN: c.Principal.ARN,
	}
	if c.Principal.Type == policy.Root {
		sess.UserID = c.Principal.Account
	}
	creds, err := Issue(s.Ring, sess)
	if err != nil {
		return nil, err
	}
	return &GetSessionTokenResult{Credentials: creds}, nil
}
