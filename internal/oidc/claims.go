package oidc

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Claim names with meaning to STS.
const (
	// TagsClaim carries session tags (AWS "Passing session tags using
	// AssumeRoleWithWebIdentity").
	TagsClaim = "https://aws.amazon.com/tags"
	// KubernetesClaim carries the service account, pod and node a
	// Kubernetes service-account token is bound to.
	KubernetesClaim = "kubernetes.io"
)

// Claims are the verified claims of a web identity token.
//
// A *Claims returned by Verify is the caller's own struct, but its slices
// and maps (Audience, AMR, Tags, Kubernetes) may be shared with other
// callers through the verified-token cache: treat them as read-only.
//
// Only these typed claims are kept: the decoded payload is dropped once
// they are extracted, so a cached entry holds a few hundred bytes rather
// than the whole claim set.
type Claims struct {
	// Issuer is iss, "https://" + the provider URL.
	Issuer string
	// Subject is sub; never empty.
	Subject string
	// Audience is aud as a list (a single-string aud becomes one element).
	Audience []string
	// AZP is azp (authorized party), empty if absent.
	AZP string
	// AMR is amr (authentication methods references), a string or list in
	// the token; nil if absent.
	AMR []string
	// MatchedAudience is the provider client ID the token was accepted
	// for: the first aud that is a client ID, else azp. STS reports it as
	// the Audience of the response and as the provider's :aud condition
	// key.
	MatchedAudience string
	// Expiry is exp. NotBefore (nbf) and IssuedAt (iat) are zero if absent.
	Expiry, NotBefore, IssuedAt time.Time
	// JWTID is jti, empty if absent.
	JWTID string
	// Tags are the session tags of the https://aws.amazon.com/tags claim;
	// nil if absent.
	Tags *SessionTags
	// Kubernetes is the kubernetes.io claim of a Kubernetes service-account
	// token; nil if absent.
	Kubernetes *KubernetesClaims
	// KeyID and Algorithm are the kid and alg of the verified signature.
	KeyID, Algorithm string
}

// SessionTags is the https://aws.amazon.com/tags claim.
type SessionTags struct {
	// PrincipalTags maps tag keys to values (principal_tags). AWS expects
	// one value per key, in a list; a plain string is accepted as one
	// value. Limits (count, lengths, duplicates) are STS's to enforce.
	PrincipalTags map[string][]string
	// TransitiveTagKeys lists the keys that carry through role chaining
	// (transitive_tag_keys).
	TransitiveTagKeys []string
}

// KubernetesClaims is the kubernetes.io claim of a service-account token
// (bound tokens carry pod and, since Kubernetes 1.30, node references).
type KubernetesClaims struct {
	Namespace          string
	ServiceAccountName string
	ServiceAccountUID  string
	PodName, PodUID    string
	NodeName, NodeUID  string
	// WarnAfter is kubernetes.io/warnafter: the time after which the
	// apiserver would warn that a stale (extended-expiry) token is in use.
	WarnAfter time.Time
}

// claimError explains why a claim is malformed; it becomes an
// InvalidIdentityToken with this text as the explanation.
type claimError string

func (e claimError) Error() string { return string(e) }

// parseClaims extracts the typed claims from a decoded payload. It checks
// types and presence (iss, sub, aud, exp); times and audiences are checked
// by the verifier.
func parseClaims(m map[string]any) (*Claims, error) {
	c := &Claims{}
	var err error
	if c.Issuer, err = stringClaim(m, "iss", true); err != nil {
		return nil, err
	}
	if c.Subject, err = stringClaim(m, "sub", true); err != nil {
		return nil, err
	}
	if c.Audience, err = stringsClaim(m, "aud"); err != nil {
		return nil, err
	}
	if len(c.Audience) == 0 {
		return nil, claimError("token has no aud claim")
	}
	if c.AZP, err = stringClaim(m, "azp", false); err != nil {
		return nil, err
	}
	if c.AMR, err = stringsClaim(m, "amr"); err != nil {
		return nil, err
	}
	if c.JWTID, err = stringClaim(m, "jti", false); err != nil {
		return nil, err
	}
	var ok bool
	if c.Expiry, ok, err = timeClaim(m, "exp"); err != nil {
		return nil, err
	} else if !ok {
		return nil, claimError("token has no exp claim")
	}
	if c.NotBefore, _, err = timeClaim(m, "nbf"); err != nil {
		return nil, err
	}
	if c.IssuedAt, _, err = timeClaim(m, "iat"); err != nil {
		return nil, err
	}
	if v, ok := m[TagsClaim]; ok {
		if c.Tags, err = parseTags(v); err != nil {
			return nil, err
		}
	}
	if v, ok := m[KubernetesClaim]; ok {
		if c.Kubernetes, err = parseKubernetes(v); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func stringClaim(m map[string]any, name string, required bool) (string, error) {
	v, ok := m[name]
	if !ok || v == nil {
		if required {
			return "", claimError("token has no " + name + " claim")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", claimError(name + " claim is not a string")
	}
	if required && s == "" {
		return "", claimError(name + " claim is empty")
	}
	return s, nil
}

// stringsClaim reads a claim that may be a string or a list of strings.
func stringsClaim(m map[string]any, name string) ([]string, error) {
	v, ok := m[name]
	if !ok || v == nil {
		return nil, nil
	}
	out, ok := toStrings(v)
	if !ok {
		return nil, claimError(name + " claim is not a string or a list of strings")
	}
	return out, nil
}

func toStrings(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// maxNumericDate bounds NumericDate claims to the year 9999 so conversion
// to time.Time cannot overflow.
const maxNumericDate = 253402300799

// timeClaim reads a NumericDate (seconds since the epoch, possibly
// fractional). It reports whether the claim was present.
func timeClaim(m map[string]any, name string) (time.Time, bool, error) {
	v, ok := m[name]
	if !ok || v == nil {
		return time.Time{}, false, nil
	}
	t, err := numericDate(v)
	if err != nil {
		return time.Time{}, true, claimError(name + " claim " + err.Error())
	}
	return t, true, nil
}

func numericDate(v any) (time.Time, error) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, claimError("is not a number")
	}
	if i, err := n.Int64(); err == nil {
		if i < 0 || i > maxNumericDate {
			return time.Time{}, claimError("is out of range")
		}
		return time.Unix(i, 0), nil
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, claimError("is out of range")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func parseTags(v any) (*SessionTags, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, claimError(TagsClaim + " claim is not an object")
	}
	t := &SessionTags{}
	if pt, ok := obj["principal_tags"]; ok && pt != nil {
		pm, ok := pt.(map[string]any)
		if !ok {
			return nil, claimError(TagsClaim + " principal_tags is not an object")
		}
		t.PrincipalTags = make(map[string][]string, len(pm))
		for k, val := range pm {
			vals, ok := toStrings(val)
			if !ok {
				return nil, claimError(fmt.Sprintf("%s principal_tags[%s] is not a string or a list of strings", TagsClaim, quote(k, 64)))
			}
			t.PrincipalTags[k] = vals
		}
	}
	if tk, ok := obj["transitive_tag_keys"]; ok && tk != nil {
		keys, ok := toStrings(tk)
		if !ok {
			return nil, claimError(TagsClaim + " transitive_tag_keys is not a list of strings")
		}
		t.TransitiveTagKeys = keys
	}
	return t, nil
}

func parseKubernetes(v any) (*KubernetesClaims, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, claimError(KubernetesClaim + " claim is not an object")
	}
	k := &KubernetesClaims{}
	var err error
	if k.Namespace, err = stringClaim(obj, "namespace", false); err != nil {
		return nil, claimError(KubernetesClaim + " " + err.Error())
	}
	refs := []struct {
		name            string
		nameDst, uidDst *string
	}{
		{"serviceaccount", &k.ServiceAccountName, &k.ServiceAccountUID},
		{"pod", &k.PodName, &k.PodUID},
		{"node", &k.NodeName, &k.NodeUID},
	}
	for _, r := range refs {
		rv, ok := obj[r.name]
		if !ok || rv == nil {
			continue
		}
		ro, ok := rv.(map[string]any)
		if !ok {
			return nil, claimError(KubernetesClaim + " " + r.name + " is not an object")
		}
		if *r.nameDst, err = stringClaim(ro, "name", false); err != nil {
			return nil, claimError(KubernetesClaim + " " + r.name + " " + err.Error())
		}
		if *r.uidDst, err = stringClaim(ro, "uid", false); err != nil {
			return nil, claimError(KubernetesClaim + " " + r.name + " " + err.Error())
		}
	}
	if wa, ok := obj["warnafter"]; ok && wa != nil {
		if k.WarnAfter, err = numericDate(wa); err != nil {
			return nil, claimError(KubernetesClaim + " warnafter " + err.Error())
		}
	}
	return k, nil
}
