package sessiontoken

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"time"
)

// Type is how a session's credentials were obtained.
type Type string

// Session types.
const (
	TypeAssumeRole                Type = "AssumeRole"
	TypeAssumeRoleWithWebIdentity Type = "AssumeRoleWithWebIdentity"
	TypeAssumeRoleWithSAML        Type = "AssumeRoleWithSAML"
	TypeGetSessionToken           Type = "GetSessionToken"
	TypeFederationToken           Type = "FederationToken"
	// TypePodIdentity is EKS Auth AssumeRoleForPodIdentity.
	TypePodIdentity Type = "PodIdentity"
)

// typeCodes fixes the one-byte wire code of each type; never reorder.
var typeCodes = [...]Type{"", TypeAssumeRole, TypeAssumeRoleWithWebIdentity, TypeAssumeRoleWithSAML, TypeGetSessionToken, TypeFederationToken, TypePodIdentity}

func typeCode(t Type) (byte, bool) {
	for i, u := range typeCodes {
		if i > 0 && u == t {
			return byte(i), true
		}
	}
	return 0, false
}

// IsRoleSession reports whether the session is a role session (its
// principal is an assumed-role ARN).
func (t Type) IsRoleSession() bool {
	switch t {
	case TypeAssumeRole, TypeAssumeRoleWithWebIdentity, TypeAssumeRoleWithSAML, TypePodIdentity:
		return true
	}
	return false
}

// A Tag is a session tag, or any key/value pair.
type Tag struct {
	Key   string
	Value string
}

// A Session is everything a sealed session token carries. Times are kept
// to the second, in UTC.
type Session struct {
	// Version is the encoding version the token was sealed with; Open sets
	// it and Seal ignores it (it always writes the current version).
	Version int

	// AccessKeyID is the ASIA... key ID these credentials belong to; a
	// request must be signed with this key ID (see MatchesAccessKeyID).
	AccessKeyID string
	// SecretAccessKey is the secret of the temporary credentials, needed
	// to verify request signatures. Never log it.
	SecretAccessKey string
	// Account is the 12-digit account the principal belongs to.
	Account string
	// Type is how the credentials were obtained.
	Type Type
	// PrincipalARN is the caller's ARN as GetCallerIdentity reports it:
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION for role sessions,
	// the user ARN for GetSessionToken,
	// arn:aws:sts::ACCOUNT:federated-user/NAME for federation tokens.
	PrincipalARN string
	// RoleARN is the assumed role's ARN, with its path; empty if Type is
	// not a role session.
	RoleARN string
	// RoleID is the role's unique ID (AROA...); empty if not a role.
	RoleID string
	// UserID is the IAM user's unique ID (AIDA...) for GetSessionToken and
	// FederationToken sessions; empty otherwise.
	UserID string
	// SessionName is the role session name, or the federated user's name.
	SessionName string
	// IssuedAt is when the credentials were issued (aws:TokenIssueTime).
	IssuedAt time.Time
	// Expiration is when they expire; Open rejects the token from then on.
	Expiration time.Time

	// SessionPolicy is the inline session policy JSON, if any.
	SessionPolicy string
	// SessionPolicyARNs are the managed session policies, if any.
	SessionPolicyARNs []string
	// Tags are the session tags (aws:PrincipalTag), in the order given,
	// including tags inherited through role chaining.
	Tags []Tag
	// TransitiveTagKeys are the keys of Tags that pass on to chained
	// sessions.
	TransitiveTagKeys []string
	// SourceIdentity is the sts:SourceIdentity set on the session (and
	// inherited by chained sessions).
	SourceIdentity string
	// ChainDepth is 0 for a session obtained with long-term credentials or
	// a federation token, 1 for a role assumed from a role session, and so
	// on (role chaining limits duration to one hour).
	ChainDepth int
	// MFAAuthenticated reports that the session was created with MFA
	// (aws:MultiFactorAuthPresent); MFAAuthTime is when
	// (aws:MultiFactorAuthAge is measured from it).
	MFAAuthenticated bool
	MFAAuthTime      time.Time

	// SourceAccessKeyID is the long-term access key that started the
	// chain of sessions, for audit; empty for web identity and SAML.
	SourceAccessKeyID string
	// SourcePrincipalARN is the principal that called the STS action that
	// issued these credentials (the previous hop), for audit; empty for web
	// identity, SAML and pod identity.
	SourcePrincipalARN string

	// FederatedProvider is the identity provider's ARN for web identity
	// and SAML sessions (aws:FederatedProvider), for example
	// arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH.
	FederatedProvider string
	// WebIdentitySubject and WebIdentityAudience are the token's sub and
	// aud (the provider's :sub and :aud condition keys).
	WebIdentitySubject  string
	WebIdentityAudience string

	// Context holds further request-context keys the session carries
	// (for example provider-specific condition keys), in order.
	Context []Tag
}

// MatchesAccessKeyID reports, in constant time, whether id is the access
// key ID the session belongs to. A request that presents this session's
// token with any other key ID must be rejected as InvalidClientTokenId.
func (s *Session) MatchesAccessKeyID(id string) bool {
	return s.AccessKeyID != "" && subtle.ConstantTimeCompare([]byte(s.AccessKeyID), []byte(id)) == 1
}

// Expired reports whether the session has expired at now.
func (s *Session) Expired(now time.Time) bool {
	return !now.Before(s.Expiration)
}

// UserIDForCaller returns the UserId GetCallerIdentity reports: ROLEID:NAME
// for role sessions, the user's unique ID for GetSessionToken, and
// ACCOUNT:NAME for federation tokens.
func (s *Session) UserIDForCaller() string {
	switch {
	case s.Type.IsRoleSession():
		return s.RoleID + ":" + s.SessionName
	case s.Type == TypeFederationToken:
		return s.Account + ":" + s.SessionName
	}
	return s.UserID
}

// String describes the session without its secret access key.
func (s *Session) String() string {
	if s == nil {
		return "<nil session>"
	}
	return fmt.Sprintf("Session{Type:%s AccessKeyID:%s Principal:%s IssuedAt:%s Expiration:%s ChainDepth:%d}",
		s.Type, s.AccessKeyID, s.PrincipalARN, s.IssuedAt.UTC().Format(time.RFC3339), s.Expiration.UTC().Format(time.RFC3339), s.ChainDepth)
}

// GoString is String, so %#v cannot print the secret either.
func (s *Session) GoString() string { return s.String() }

// LogValue implements slog.LogValuer without the secret access key.
func (s *Session) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("<nil session>")
	}
	return slog.GroupValue(
		slog.String("type", string(s.Type)),
		slog.String("accessKeyId", s.AccessKeyID),
		slog.String("principal", s.PrincipalARN),
		slog.Time("issuedAt", s.IssuedAt),
		slog.Time("expiration", s.Expiration),
		slog.Int("chainDepth", s.ChainDepth),
	)
}
