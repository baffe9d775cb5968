// Package auth authenticates signed requests on trustbridge's edge: it
// parses and verifies SigV4 (header and presigned forms), resolves the
// access key — a long-term key from the store, or a temporary key whose
// sealed session token carries the whole session — and produces the
// Caller that handlers and the authorizer work with.
//
// Authentication failures look the same to the client as AWS's
// (InvalidClientTokenId, SignatureDoesNotMatch, ExpiredToken, ...); the real
// reason travels in the error's Explanation, for the audit log and explain.
// No secret, signature or session token is ever logged or put in an error.
package auth

import (
	"context"
	"time"

	"github.com/trustbridge/trustbridge/internal/policy"
)

// Tag is a session tag.
type Tag struct{ Key, Value string }

// A Caller is an authenticated principal making a request.
type Caller struct {
	// Principal is the caller as the policy engine sees it (type, ARN,
	// account, role ARN with path for sessions, aws:userid, aws:username).
	Principal policy.Principal
	// AccessKeyID is the key that signed the request.
	AccessKeyID string
	// Temporary is true for ASIA credentials (a session).
	Temporary bool

	// For role sessions: the role's name, path and ID, and the session name.
	RoleName, RolePath, RoleID, SessionName string
	// For IAM users (long-term keys or GetSessionToken sessions).
	UserName, UserPath string
	// PrincipalTags are the user's or role's tags.
	PrincipalTags map[string]string
	// BoundaryARN is the user's or role's permissions boundary.
	BoundaryARN string

	// Session facts (temporary credentials only).
	SessionType       string // "AssumeRole", "AssumeRoleWithWebIdentity", "PodIdentity", "GetSessionToken"
	SessionTags       []Tag
	TransitiveTagKeys []string
	SessionPolicy     string   // inline session policy JSON
	SessionPolicyARNs []string // managed session policies
	SourceIdentity    string
	ChainDepth        int
	MFA               bool
	IssuedAt          time.Time
	Expiration        time.Time
	// FederatedProvider is the identity provider of a web identity session.
	FederatedProvider string

	// Request facts.
	SourceIP string
	Secure   bool
	Region   string // the SigV4 scope's region
	Time     time.Time
}

// IsRoot reports whether the caller is an account's root user.
func (c *Caller) IsRoot() bool { return c.Principal.Type == policy.Root }

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// FromContext returns the authenticated caller, or nil for an unsigned request.
func FromContext(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
