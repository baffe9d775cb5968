package awsauth

import (
	"errors"
	"fmt"
	"strings"
)

// Keys of the TokenReview user "extra" map. The first five are the keys
// aws-iam-authenticator and EKS set; ExtraAuthenticatorPrincipalID is the
// prefixed duplicate of principalId EKS also sets; ExtraPrincipalARN is
// trustbridge's own: the IAM ARN of the user or role including its path,
// which STS ARNs drop.
const (
	ExtraARN                      = "arn"
	ExtraCanonicalARN             = "canonicalArn"
	ExtraSessionName              = "sessionName"
	ExtraAccessKeyID              = "accessKeyId"
	ExtraPrincipalID              = "principalId"
	ExtraAuthenticatorPrincipalID = "sigs.k8s.io/aws-iam-authenticator/principalId"
	ExtraPrincipalARN             = "trustbridge.dev/principal-arn"
)

// UIDPrefix starts every Kubernetes UID the authenticator issues:
// "aws-iam-authenticator:ACCOUNT:USERID".
const UIDPrefix = "aws-iam-authenticator:"

// An Identity is a verified AWS caller, as GetCallerIdentity describes it,
// plus what trustbridge knows beyond STS.
type Identity struct {
	// ARN is the caller ARN (arn:aws:iam::A:user/PATH/N,
	// arn:aws:sts::A:assumed-role/R/S, ...).
	ARN string
	// CanonicalARN is Canonicalize(ARN): the role ARN (without path) for
	// assumed roles, else ARN.
	CanonicalARN string
	// PrincipalARN is the IAM ARN of the user or role including its path,
	// when the verifier knows it; empty otherwise. It lets mappings that
	// name a role with its path match the role's sessions.
	PrincipalARN string
	// AccountID is the 12-digit account.
	AccountID string
	// UserID is the unique ID of the user or role (AIDA..., AROA...), without
	// the ":session" suffix GetCallerIdentity adds for roles.
	UserID string
	// SessionName is the role session name; empty for users.
	SessionName string
	// AccessKeyID is the access key the token was signed with.
	AccessKeyID string

	// Parsed forms, filled by NewIdentity.
	caller, principal Principal
}

// NewIdentity builds an Identity from GetCallerIdentity's answer (account,
// ARN, and UserId, which is "UNIQUEID" for users or "UNIQUEID:SESSION" for
// roles), the signing access key ID, and optionally the principal's IAM ARN
// with path. It canonicalises the ARN and checks that the pieces agree.
func NewIdentity(account, arn, userID, accessKeyID, principalARN string) (*Identity, error) {
	caller, err := ParsePrincipal(arn)
	if err != nil {
		return nil, fmt.Errorf("caller identity: %w", err)
	}
	if caller.Account != account {
		return nil, fmt.Errorf("caller identity: ARN account %s differs from account %s", caller.Account, account)
	}
	id := &Identity{ARN: arn, AccountID: account, AccessKeyID: accessKeyID, PrincipalARN: principalARN, caller: caller}
	id.CanonicalARN, _ = Canonicalize(arn)
	switch parts := strings.Split(userID, ":"); len(parts) {
	case 1:
		id.UserID = parts[0]
	case 2:
		id.UserID, id.SessionName = parts[0], parts[1]
	default:
		return nil, errors.New("caller identity: malformed user ID")
	}
	if id.UserID == "" {
		return nil, errors.New("caller identity: empty user ID")
	}
	if caller.Kind == KindAssumedRole && id.SessionName == "" {
		id.SessionName = caller.Session
	}
	if principalARN != "" {
		p, err := ParsePrincipal(principalARN)
		if err != nil {
			return nil, fmt.Errorf("caller identity principal: %w", err)
		}
		if p.matchKey() != caller.matchKey() {
			return nil, fmt.Errorf("caller identity: principal %s does not belong to caller %s", principalARN, arn)
		}
		id.principal = p
	}
	return id, nil
}

// path returns the caller's IAM path and whether it is known: users carry
// it in their ARN, roles only through PrincipalARN.
func (id *Identity) path() (string, bool) {
	if id.principal.Kind != "" && (id.principal.Kind == KindUser || id.principal.Kind == KindRole) {
		return id.principal.Path, true
	}
	if id.caller.Kind == KindUser {
		return id.caller.Path, true
	}
	return "", false
}

// matches reports whether the mapping principal e names this identity:
// same partition, account, kind (an assumed role is its role) and name,
// case-insensitively; and if e has a path and the identity's path is known,
// the same path.
func (id *Identity) matches(e Principal, key string) bool {
	if key != id.caller.matchKey() {
		return false
	}
	if e.Kind == KindRoot || e.Kind == KindFederatedUser {
		return e.Kind == id.caller.Kind
	}
	if e.hasPath() {
		if p, ok := id.path(); ok && !strings.EqualFold(p, e.Path) {
			return false
		}
	}
	return true
}

// key returns the identity's match key.
func (id *Identity) key() string { return id.caller.matchKey() }

// UID returns the Kubernetes UID aws-iam-authenticator assigns:
// "aws-iam-authenticator:ACCOUNT:USERID".
func (id *Identity) UID() string { return UIDPrefix + id.AccountID + ":" + id.UserID }

// Extra returns the TokenReview "extra" map for the identity: each key
// holds one string. ExtraPrincipalARN is present only when PrincipalARN is
// known.
func (id *Identity) Extra() map[string][]string {
	m := map[string][]string{
		ExtraARN:                      {id.ARN},
		ExtraCanonicalARN:             {id.CanonicalARN},
		ExtraSessionName:              {id.SessionName},
		ExtraAccessKeyID:              {id.AccessKeyID},
		ExtraPrincipalID:              {id.UserID},
		ExtraAuthenticatorPrincipalID: {id.UserID},
	}
	if id.PrincipalARN != "" {
		m[ExtraPrincipalARN] = []string{id.PrincipalARN}
	}
	return m
}

// IdentityFromExtra rebuilds an Identity from a user's "extra" map as the
// authenticator wrote it (the apiserver copies it into every
// SubjectAccessReview). Each key must hold exactly one value; arn,
// canonicalArn and principalId are required and must agree.
func IdentityFromExtra(extra map[string][]string) (*Identity, error) {
	get := func(k string, required bool) (string, error) {
		v, ok := extra[k]
		if !ok {
			if required {
				return "", fmt.Errorf("user extra %q missing", k)
			}
			return "", nil
		}
		if len(v) != 1 {
			return "", fmt.Errorf("user extra %q must have one value", k)
		}
		return v[0], nil
	}
	var vals [6]string
	for i, k := range []string{ExtraARN, ExtraCanonicalARN, ExtraPrincipalID, ExtraSessionName, ExtraAccessKeyID, ExtraPrincipalARN} {
		v, err := get(k, i < 3)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	caller, err := ParsePrincipal(vals[0])
	if err != nil {
		return nil, err
	}
	userID := vals[2]
	if vals[3] != "" {
		userID += ":" + vals[3]
	}
	id, err := NewIdentity(caller.Account, vals[0], userID, vals[4], vals[5])
	if err != nil {
		return nil, err
	}
	if id.CanonicalARN != vals[1] {
		return nil, errors.New("user extra canonicalArn does not match arn")
	}
	return id, nil
}
