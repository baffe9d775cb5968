package awsauth

import (
	"errors"
	"fmt"
	"strings"
)

// Principal kinds recognised in ARNs.
const (
	KindUser          = "user"
	KindRole          = "role"
	KindRoot          = "root"
	KindAssumedRole   = "assumed-role"
	KindFederatedUser = "federated-user"
)

// A Principal is a parsed IAM or STS principal ARN.
type Principal struct {
	// Partition is "aws", "aws-cn", "aws-us-gov", ...
	Partition string
	// Service is "iam" or "sts".
	Service string
	// Account is the 12-digit account ID.
	Account string
	// Kind is one of the Kind constants.
	Kind string
	// Path is the IAM path of a user or role ("/" when the ARN has none,
	// "/team/" for role/team/app). Empty for the other kinds.
	Path string
	// Name is the user name, the role name (also for assumed-role), or the
	// federated user name. Empty for root.
	Name string
	// Session is the session name of an assumed-role ARN.
	Session string
}

var errNotPrincipal = errors.New("not an IAM user, role, root, assumed-role or federated-user ARN")

// ParsePrincipal parses an IAM principal ARN: arn:P:iam::A:user/PATH/NAME,
// arn:P:iam::A:role/PATH/NAME, arn:P:iam::A:root,
// arn:P:sts::A:assumed-role/ROLE/SESSION or arn:P:sts::A:federated-user/NAME.
// The region field must be empty and the account 12 digits.
func ParsePrincipal(s string) (Principal, error) {
	var p Principal
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return p, fmt.Errorf("invalid ARN %q: %w", s, errNotPrincipal)
	}
	p.Partition, p.Service, p.Account = parts[1], parts[2], parts[4]
	if p.Partition == "" || parts[3] != "" {
		return p, fmt.Errorf("invalid ARN %q: %w", s, errNotPrincipal)
	}
	if !isAccountID(p.Account) {
		return p, fmt.Errorf("invalid ARN %q: account must be 12 digits", s)
	}
	res := parts[5]
	switch p.Service {
	case "iam":
		if res == "root" {
			p.Kind = KindRoot
			return p, nil
		}
		kind, rest, ok := strings.Cut(res, "/")
		if !ok || (kind != KindUser && kind != KindRole) {
			return p, fmt.Errorf("invalid ARN %q: %w", s, errNotPrincipal)
		}
		i := strings.LastIndexByte(rest, '/')
		p.Kind, p.Path, p.Name = kind, "/"+rest[:i+1], rest[i+1:]
		if p.Name == "" || strings.Contains(p.Path, "//") {
			return p, fmt.Errorf("invalid ARN %q: malformed %s name or path", s, kind)
		}
		return p, nil
	case "sts":
		kind, rest, ok := strings.Cut(res, "/")
		switch {
		case ok && kind == KindAssumedRole:
			role, session, ok := strings.Cut(rest, "/")
			if !ok || role == "" || session == "" || strings.Contains(session, "/") {
				return p, fmt.Errorf("invalid ARN %q: assumed-role ARNs are assumed-role/ROLE/SESSION", s)
			}
			p.Kind, p.Name, p.Session = KindAssumedRole, role, session
			return p, nil
		case ok && kind == KindFederatedUser && rest != "" && !strings.Contains(rest, "/"):
			p.Kind, p.Name = KindFederatedUser, rest
			return p, nil
		}
	}
	return p, fmt.Errorf("invalid ARN %q: %w", s, errNotPrincipal)
}

// String formats p back into an ARN. Assumed-role and federated-user
// principals use the sts service, the others iam.
func (p Principal) String() string {
	switch p.Kind {
	case KindRoot:
		return "arn:" + p.Partition + ":iam::" + p.Account + ":root"
	case KindUser, KindRole:
		path := p.Path
		if path == "" {
			path = "/"
		}
		return "arn:" + p.Partition + ":iam::" + p.Account + ":" + p.Kind + path + p.Name
	case KindAssumedRole:
		return "arn:" + p.Partition + ":sts::" + p.Account + ":assumed-role/" + p.Name + "/" + p.Session
	case KindFederatedUser:
		return "arn:" + p.Partition + ":sts::" + p.Account + ":federated-user/" + p.Name
	}
	return ""
}

// Canonicalize returns the ARN aws-iam-authenticator matches mappings
// against: an assumed-role ARN becomes the role's IAM ARN without a path
// (arn:P:sts::A:assumed-role/R/S → arn:P:iam::A:role/R); user, role, root
// and federated-user ARNs are returned unchanged.
func Canonicalize(arn string) (string, error) {
	p, err := ParsePrincipal(arn)
	if err != nil {
		return "", err
	}
	if p.Kind == KindAssumedRole {
		return "arn:" + p.Partition + ":iam::" + p.Account + ":role/" + p.Name, nil
	}
	return arn, nil
}

// matchKey identifies a principal for matching: partition, account, kind
// (assumed-role counts as role) and lower-cased name. IAM user and role
// names are unique within an account whatever their path and
// case-insensitively, so two different principals never share a key.
func (p Principal) matchKey() string {
	kind := p.Kind
	if kind == KindAssumedRole {
		kind = KindRole
	}
	return strings.ToLower(p.Partition + ":" + p.Account + ":" + kind + ":" + p.Name)
}

// hasPath reports whether p names a non-root IAM path.
func (p Principal) hasPath() bool {
	return (p.Kind == KindUser || p.Kind == KindRole) && p.Path != "/" && p.Path != ""
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
