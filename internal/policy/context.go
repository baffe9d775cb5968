package policy

import (
	"sort"
	"strings"
)

// A PrincipalType says what kind of caller made a request.
type PrincipalType int

// Principal types. The zero value is Anonymous: an unauthenticated caller.
const (
	Anonymous     PrincipalType = iota // no signature; matched only by "*"
	Root                               // an account's root user (arn:aws:iam::A:root)
	User                               // an IAM user
	Role                               // a role acting as itself (service-linked roles, or a role ARN named directly)
	RoleSession                        // an assumed-role session (arn:aws:sts::A:assumed-role/R/s)
	FederatedUser                      // a GetFederationToken session (arn:aws:sts::A:federated-user/n)
	WebIdentity                        // AssumeRoleWithWebIdentity caller; ARN is the OIDC provider ARN (or accounts.google.com ...)
	SAML                               // AssumeRoleWithSAML caller; ARN is the SAML provider ARN
	Service                            // an AWS service principal; ARN is the service name (pods.eks.amazonaws.com)
)

var principalTypeNames = [...]string{"Anonymous", "Root", "User", "Role", "RoleSession", "FederatedUser", "WebIdentity", "SAML", "Service"}

func (t PrincipalType) String() string {
	if t >= 0 && int(t) < len(principalTypeNames) {
		return principalTypeNames[t]
	}
	return "PrincipalType(?)"
}

// A Principal is the authenticated (or anonymous) caller of a request.
type Principal struct {
	Type PrincipalType
	// ARN is the caller's ARN as STS reports it: arn:aws:iam::A:user/path/name,
	// arn:aws:sts::A:assumed-role/R/sess, arn:aws:iam::A:root; for
	// WebIdentity and SAML the identity provider ARN (or a well-known
	// provider name such as accounts.google.com); for Service the service
	// name. Empty for Anonymous.
	ARN string
	// Account is the caller's 12-digit account ID (empty for Anonymous and
	// Service).
	Account string
	// RoleARN is, for RoleSession, the role's IAM ARN including its path: a
	// policy naming {"AWS": RoleARN} matches the session. For Role it may
	// repeat ARN.
	RoleARN string
	// UserARN is, for FederatedUser, the IAM user that called
	// GetFederationToken: a policy naming that user matches the session.
	UserARN string
	// UserID is the value of aws:userid (AIDA... for users,
	// "AROA...:session" for role sessions, the account ID for root).
	UserID string
	// UserName is the value of aws:username (IAM users only).
	UserName string
	// CanonicalUser is the S3 canonical user ID, if known; a policy naming
	// {"CanonicalUser": id} matches it.
	CanonicalUser string
}

// awsPrincipalType is the value of aws:PrincipalType.
func (p *Principal) awsPrincipalType() string {
	switch p.Type {
	case Root:
		return "Account"
	case User:
		return "User"
	case RoleSession, Role:
		return "AssumedRole"
	case FederatedUser:
		return "FederatedUser"
	case WebIdentity, SAML:
		return "WebIdentityUser"
	case Service:
		return "Service"
	}
	return "Anonymous"
}

// isIAM reports whether the principal is an IAM identity in an account
// (it has identity policies, may have a boundary and is subject to SCPs).
func (p *Principal) isIAM() bool {
	switch p.Type {
	case Root, User, Role, RoleSession, FederatedUser:
		return true
	}
	return false
}

// ctxEntry is one context key.
type ctxEntry struct {
	key    string // lowercased
	name   string // as supplied
	values []string
	multi  bool
}

// A Context holds the request context keys policies test in conditions and
// variables. Key names are case-insensitive. A key is single-valued (Set)
// or multi-valued (SetMulti, possibly with zero values).
//
// A Context is cheap to build and may be reused with Reset; it is not safe
// for concurrent mutation, but concurrent Evaluate calls may share one that
// is no longer being modified.
type Context struct {
	entries []ctxEntry
	quirks  quirk // differential tests only: reference-engine deviations
}

// NewContext returns an empty Context.
func NewContext() *Context { return &Context{entries: make([]ctxEntry, 0, 16)} }

// Reset removes every key, keeping the storage for reuse.
func (c *Context) Reset() { c.entries = c.entries[:0] }

// Set sets key to a single value, replacing any previous value.
func (c *Context) Set(key, value string) {
	c.set(key, []string{value}, false)
}

// SetMulti sets key to a multi-valued set (for example aws:TagKeys or
// aws:CalledVia). An empty or nil values slice records a present but empty
// key.
func (c *Context) SetMulti(key string, values []string) {
	c.set(key, append([]string(nil), values...), true)
}

func (c *Context) set(key string, values []string, multi bool) {
	lk := lowerKey(key)
	for i := range c.entries {
		if c.entries[i].key == lk {
			c.entries[i] = ctxEntry{key: lk, name: key, values: values, multi: multi}
			return
		}
	}
	c.entries = append(c.entries, ctxEntry{key: lk, name: key, values: values, multi: multi})
}

// wellKnownKeys are the global keys every request sets, lowercased once:
// lowercasing them per request was a measurable share of an AssumeRole.
var wellKnownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"aws:CurrentTime", "aws:EpochTime", "aws:SourceIp", "aws:SecureTransport", "aws:RequestedRegion",
		"aws:PrincipalIsAWSService", "aws:MultiFactorAuthPresent", "aws:TokenIssueTime", "aws:FederatedProvider",
		"aws:SourceIdentity", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalType", "aws:userid",
		"aws:username", "aws:PrincipalOrgID", "aws:PrincipalServiceName", "aws:ViaAWSService", "aws:CalledVia",
		"aws:TagKeys", "aws:RequestTag", "sts:RoleSessionName", "sts:ExternalId", "sts:SourceIdentity",
		"sts:TransitiveTagKeys", "iam:PassedToService",
	} {
		m[k] = strings.ToLower(k)
	}
	return m
}()

// lowerKey returns key lowercased, without allocating for well-known keys.
func lowerKey(key string) string {
	if lk, ok := wellKnownKeys[key]; ok {
		return lk
	}
	return strings.ToLower(key)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	lk := lowerKey(key)
	for i := range c.entries {
		if c.entries[i].key == lk {
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			return
		}
	}
}

// Get returns the values of key (case-insensitive), whether it is
// multi-valued, and whether it is present.
func (c *Context) Get(key string) (values []string, multi, ok bool) {
	e := c.lookup(lowerKey(key))
	if e == nil {
		return nil, false, false
	}
	return e.values, e.multi, true
}

// Keys returns the key names as supplied, sorted case-insensitively.
func (c *Context) Keys() []string {
	if c == nil {
		return nil
	}
	out := make([]string, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.name
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// lookup finds a lowercased key. A nil Context has no keys.
func (c *Context) lookup(lk string) *ctxEntry {
	if c == nil {
		return nil
	}
	for i := range c.entries {
		if c.entries[i].key == lk {
			return &c.entries[i]
		}
	}
	return nil
}

// single returns the value of a single-valued key; multi-valued keys
// cannot be used as policy variables.
func (c *Context) single(lk string) (string, bool) {
	e := c.lookup(lk)
	if e == nil || e.multi || len(e.values) != 1 {
		return "", false
	}
	return e.values[0], true
}

// Clone returns an independent copy.
func (c *Context) Clone() *Context {
	n := &Context{entries: make([]ctxEntry, len(c.entries)), quirks: c.quirks}
	copy(n.entries, c.entries)
	return n
}

// AddPrincipal sets the standard principal keys AWS derives from the
// caller: aws:PrincipalArn (the role ARN for role sessions),
// aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username (IAM
// users only) and, for service principals, aws:PrincipalServiceName. Keys
// with no value for this principal are removed. Everything else
// (aws:CurrentTime, aws:SourceIp, tags, OIDC claims ...) is the caller's.
func (c *Context) AddPrincipal(p Principal) {
	for _, k := range []string{"aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:userid", "aws:username", "aws:PrincipalServiceName"} {
		c.Delete(k)
	}
	c.Set("aws:PrincipalType", p.awsPrincipalType())
	switch p.Type {
	case Anonymous:
		c.Set("aws:userid", "anonymous")
		return
	case Service:
		c.Set("aws:PrincipalServiceName", p.ARN)
		return
	case WebIdentity, SAML:
		return
	}
	arn := p.ARN
	if p.Type == RoleSession && p.RoleARN != "" {
		arn = p.RoleARN
	}
	if arn != "" {
		c.Set("aws:PrincipalArn", arn)
	}
	if p.Account != "" {
		c.Set("aws:PrincipalAccount", p.Account)
	}
	if p.UserID != "" {
		c.Set("aws:userid", p.UserID)
	} else if p.Type == Root && p.Account != "" {
		c.Set("aws:userid", p.Account)
	}
	if p.Type == User && p.UserName != "" {
		c.Set("aws:username", p.UserName)
	}
}
