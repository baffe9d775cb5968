package awsauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Template placeholders allowed in usernames and groups.
const (
	tmplAccountID         = "AccountID"
	tmplSessionName       = "SessionName"
	tmplSessionNameRaw    = "SessionNameRaw"
	tmplAccessKeyID       = "AccessKeyID"
	tmplEC2PrivateDNSName = "EC2PrivateDNSName"
)

// PrivateDNSResolver returns the private DNS name of an EC2 instance, for
// the {{EC2PrivateDNSName}} template; the instance ID is the node role's
// session name.
type PrivateDNSResolver func(ctx context.Context, accountID, instanceID string) (string, error)

// checkTemplate reports a placeholder that is unknown or unterminated.
func checkTemplate(s string) error {
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return errors.New("unterminated {{ in template")
		}
		switch name := s[i+2 : i+j]; name {
		case tmplAccountID, tmplSessionName, tmplSessionNameRaw, tmplAccessKeyID, tmplEC2PrivateDNSName:
		default:
			return fmt.Errorf("unknown template placeholder {{%s}}", name)
		}
		s = s[i+j+2:]
	}
}

// render expands the placeholders of tmpl for id in a single left-to-right
// pass, so text substituted from the identity (a session name chosen by the
// caller) is never scanned for placeholders again. {{SessionName}} replaces
// "@" by "-" as aws-iam-authenticator does. {{EC2PrivateDNSName}} calls
// resolve with the session name, which must look like an instance ID.
func render(ctx context.Context, tmpl string, id *Identity, resolve PrivateDNSResolver) (string, error) {
	if !strings.Contains(tmpl, "{{") {
		return tmpl, nil
	}
	var b strings.Builder
	s := tmpl
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", errors.New("unterminated {{ in template")
		}
		b.WriteString(s[:i])
		switch name := s[i+2 : i+j]; name {
		case tmplAccountID:
			b.WriteString(id.AccountID)
		case tmplSessionName:
			b.WriteString(strings.ReplaceAll(id.SessionName, "@", "-"))
		case tmplSessionNameRaw:
			b.WriteString(id.SessionName)
		case tmplAccessKeyID:
			b.WriteString(id.AccessKeyID)
		case tmplEC2PrivateDNSName:
			if resolve == nil {
				return "", errors.New("template needs {{EC2PrivateDNSName}} but no EC2 private DNS resolver is configured")
			}
			if !isInstanceID(id.SessionName) {
				return "", fmt.Errorf("template needs {{EC2PrivateDNSName}} but session name %q is not an EC2 instance ID", id.SessionName)
			}
			dns, err := resolve(ctx, id.AccountID, id.SessionName)
			if err != nil {
				return "", fmt.Errorf("resolve private DNS name of %s: %w", id.SessionName, err)
			}
			b.WriteString(dns)
		default:
			return "", fmt.Errorf("unknown template placeholder {{%s}}", name)
		}
		s = s[i+j+2:]
	}
}

// isInstanceID reports whether s looks like i-0123abcd (8 or 17 hex digits).
func isInstanceID(s string) bool {
	h, ok := strings.CutPrefix(s, "i-")
	if !ok || (len(h) != 8 && len(h) != 17) {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
