package sts

import (
	"context"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// Namespace is STS's XML namespace.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Service is STS.
type Service struct {
	Cache *storecache.Cache
	Authz *authz.Authorizer
	Ring  *serverkey.Ring
	// OIDC verifies web identity tokens.
	OIDC *oidc.Verifier
	// Partition of ARNs; default "aws".
	Partition string
	// Now; if nil, time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) partition() string {
	if s.Partition == "" {
		return "aws"
	}
	return s.Partition
}

// Query returns the Query-protocol service with every action registered.
func (s *Service) Query() *awsquery.Service {
	q := &awsquery.Service{Name: "sts", Version: APIVersion, Namespace: Namespace, Operations: operations}
	q.Register(&awsquery.Action{Name: "GetCallerIdentity", New: func() any { return &GetCallerIdentityInput{} }, Handle: s.getCallerIdentity})
	q.Register(&awsquery.Action{Name: "AssumeRole", New: func() any { return &AssumeRoleInput{} }, Handle: s.assumeRole})
	q.Register(&awsquery.Action{Name: "AssumeRoleWithWebIdentity", New: func() any { return &AssumeRoleWithWebIdentityInput{} }, Handle: s.assumeRoleWithWebIdentity, Unsigned: true})
	q.Register(&awsquery.Action{Name: "GetSessionToken", New: func() any { return &GetSessionTokenInput{} }, Handle: s.getSessionToken})
	q.Register(&awsquery.Action{Name: "GetAccessKeyInfo", New: func() any { return &GetAccessKeyInfoInput{} }, Handle: s.getAccessKeyInfo})
	q.Register(&awsquery.Action{Name: "DecodeAuthorizationMessage", New: func() any { return &DecodeAuthorizationMessageInput{} }, Handle: s.decodeAuthorizationMessage})
	q.Register(&awsquery.Action{Name: "AssumeRoleWithSAML", New: func() any { return &struct{}{} }, Handle: notSupported("AssumeRoleWithSAML"), Unsigned: true})
	q.Register(&awsquery.Action{Name: "GetFederationToken", New: func() any { return &struct{}{} }, Handle: notSupported("GetFederationToken")})
	return q
}

func notSupported(action string) awsquery.Handler {
	return func(context.Context, any) (any, error) {
		return nil, &apierror.Error{Code: "NotImplemented", Message: "trustbridge does not implement " + action + " yet.", Status: 501}
	}
}

// caller returns the authenticated caller; handlers of signed actions
// always have one.
func caller(ctx context.Context) (*auth.Caller, error) {
	c := auth.FromContext(ctx)
	if c == nil {
		return nil, apierror.MissingAuthenticationToken()
	}
	return c, nil
}

// Issue mints temporary credentials for sess: a fresh ASIA key ID encoding
// sess.Account, a fresh secret, and the sealed session token. It fills
// sess.AccessKeyID and sess.SecretAccessKey. EKS Auth uses it too.
func Issue(ring *serverkey.Ring, sess *sessiontoken.Session) (Credentials, error) {
	sess.AccessKeyID = awsid.NewAccessKeyID("ASIA", sess.Account)
	sess.SecretAccessKey = awsid.NewSecretAccessKey()
	tok, err := sessiontoken.Seal(ring, sess)
	if err != nil {
		return Credentials{}, &apierror.Error{Code: "PackedPolicyTooLarge", Message: "The session is too large: its policies, tags and claims do not fit in a session token.", Status: 400, Explanation: err.Error()}
	}
	return Credentials{AccessKeyId: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: tok, Expiration: awsquery.Time(sess.Expiration)}, nil
}
