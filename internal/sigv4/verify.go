package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// DefaultSkew is how far a request's time may be from the server's clock.
const DefaultSkew = 15 * time.Minute

// A Verifier checks SigV4 requests. The zero value verifies with AWS's
// defaults and derives every signing key afresh; NewVerifier adds a key
// cache. A Verifier is safe for concurrent use once configured.
type Verifier struct {
	// Skew is the allowed difference between the request time and now. If
	// zero, DefaultSkew (AWS's 15 minutes).
	Skew time.Duration
	// EnforceExpires makes presigned requests valid from Time-Skew until
	// Time+Expires, instead of AWS STS's behaviour (the default), which
	// honours a presigned request for Skew after X-Amz-Date whatever
	// X-Amz-Expires says — aws-iam-authenticator tokens rely on it.
	EnforceExpires bool
	// ValidRegion reports whether a credential scope's region is one the
	// server answers for. If nil, any region of lowercase letters, digits
	// and hyphens (1 to 32 characters, starting with a letter) is valid.
	ValidRegion func(region string) bool
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD
	// in the header form, leaving the body unauthenticated. Off by
	// default; presigned requests may always use UNSIGNED-PAYLOAD.
	AllowUnsignedPayload bool
	// Keys caches derived signing keys. If nil, keys are derived per
	// request.
	Keys *KeyCache
}

// NewVerifier returns a Verifier with AWS's defaults and a key cache of
// DefaultKeyCacheSize entries.
func NewVerifier() *Verifier {
	return &Verifier{Keys: NewKeyCache(DefaultKeyCacheSize)}
}

func (v *Verifier) skew() time.Duration {
	if v.Skew > 0 {
		return v.Skew
	}
	return DefaultSkew
}

func mismatch(msg string) *apierror.Error { return apierror.SignatureDoesNotMatch(msg) }

// Check validates what a's signature covers that does not need the secret:
// the credential scope (terminator, date, region, the service the request
// is routed to) and the request time against now. service is the SigV4
// service name the request is being served as ("sts", "iam", "eks",
// "eks-auth"); if empty it is not checked. Errors are SignatureDoesNotMatch
// with AWS's messages.
func (v *Verifier) Check(a *Auth, service string, now time.Time) error {
	s := a.Scope
	if len(a.amzDate) != len(TimeFormat) {
		return mismatch("") // an Auth that did not come from Parse
	}
	if s.Terminator != Terminator {
		// AWS's message (with its trailing space).
		return mismatch("Credential should be scoped with a valid terminator: '" + Terminator + "', not '" + quote(s.Terminator) + "'. ")
	}
	if day := a.amzDate[:8]; s.Date != day {
		// AWS's message.
		return mismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + quote(s.Date) + "' != '" + day + "', from '" + a.amzDate + "'.")
	}
	if !v.validRegion(s.Region) {
		// AWS's message (with its trailing space).
		return mismatch("Credential should be scoped to a valid region, not '" + quote(s.Region) + "'. ")
	}
	if service != "" && s.Service != service {
		// AWS's message (with its trailing space).
		return mismatch("Credential should be scoped to correct service: '" + service + "'. ")
	}
	return v.checkTime(a, now)
}

func (v *Verifier) validRegion(r string) bool {
	if v.ValidRegion != nil {
		return v.ValidRegion(r)
	}
	if r == "" || len(r) > 32 || r[0] < 'a' || r[0] > 'z' {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkTime applies the clock window. AWS's messages:
//
//	Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)
//	Signature not yet current: 20260101T010000Z is still later than 20260101T004500Z (20260101T003000Z + 15 min.)
func (v *Verifier) checkTime(a *Auth, now time.Time) error {
	now = now.UTC()
	skew := v.skew()
	if a.Time.After(now.Add(skew)) {
		return mismatch("Signature not yet current: " + a.amzDate + " is still later than " + now.Add(skew).Format(TimeFormat) + " (" + now.Format(TimeFormat) + " + " + skewText(skew) + ")")
	}
	if v.EnforceExpires && a.Form == FormPresigned {
		if now.After(a.Time.Add(a.Expires)) {
			// S3's code and message for an expired presigned URL.
			return apierror.AccessDenied("Request has expired").WithExplanation(fmt.Sprintf("X-Amz-Date %s plus X-Amz-Expires %d seconds is before %s", a.amzDate, int(a.Expires/time.Second), now.Format(TimeFormat)))
		}
		return nil
	}
	if a.Time.Before(now.Add(-skew)) {
		return mismatch("Signature expired: " + a.amzDate + " is now earlier than " + now.Add(-skew).Format(TimeFormat) + " (" + now.Format(TimeFormat) + " - " + skewText(skew) + ")")
	}
	return nil
}

// skewText renders the skew as AWS does ("15 min."), or in seconds when
// it is not whole minutes.
func skewText(skew time.Duration) string {
	if skew%time.Minute != 0 {
		return fmt.Sprintf("%d sec.", int(skew/time.Second))
	}
	return fmt.Sprintf("%d min.", int(skew/time.Minute))
}

// Verify recomputes the signature of r with secret and compares it, in
// constant time, with the one a carries; a must come from Parse(r) and
// should have passed Check. payloadHash is the lowercase hex SHA-256 of
// the request body ("" for an empty body; see PayloadHash); when the
// request has an X-Amz-Content-Sha256 header, that value is what was
// signed and it must match payloadHash. For presigned requests both the
// body hash (what botocore and the Go SDK sign for STS) and
// UNSIGNED-PAYLOAD are accepted.
//
// Every failure is SignatureDoesNotMatch with AWS's generic message; the
// explanation (trustbridge's reason) carries the canonical request's
// SHA-256 and the string to sign, never the signature or the secret.
func (v *Verifier) Verify(r *http.Request, a *Auth, secret, payloadHash string) error {
	if secret == "" {
		// A caller bug, never a valid credential: anyone can sign with "".
		return apierror.SignatureDoesNotMatch("").WithExplanation("no secret access key to verify with")
	}
	if payloadHash == "" {
		payloadHash = EmptyPayloadHash
	}
	var hashes [2]string
	hashes[0] = payloadHash
	nh := 1
	switch h := a.contentSHA256; {
	case h == UnsignedPayload:
		if a.Form != FormPresigned && !v.AllowUnsignedPayload {
			return apierror.SignatureDoesNotMatch("").WithExplanation("X-Amz-Content-Sha256 is UNSIGNED-PAYLOAD, which this server does not accept for signed headers")
		}
		hashes[0] = h
	case h != "":
		if !strings.EqualFold(h, payloadHash) {
			return apierror.SignatureDoesNotMatch("").WithExplanation("X-Amz-Content-Sha256 does not match the SHA-256 of the request body")
		}
		hashes[0] = h
	case a.Form == FormPresigned:
		hashes[1] = UnsignedPayload
		nh = 2
	}
	var key [sha256.Size]byte
	if v.Keys != nil {
		key = v.Keys.Key(secret, a.Scope.Date, a.Scope.Region, a.Scope.Service)
	} else {
		key = SigningKey(secret, a.Scope.Date, a.Scope.Region, a.Scope.Service)
	}
	p1, p2 := canonicalPaths(rawPath(r))
	paths := [2]string{p1, p2}
	presigned := a.Form == FormPresigned
	var first [sha256.Size]byte
	for pi, path := range paths {
		if pi > 0 && path == "" {
			break
		}
		for _, ph := range hashes[:nh] {
			crHash := canonicalRequestHash(r, path, r.URL.RawQuery, presigned, a.SignedHeaders, a.signedHeaders, ph)
			if pi == 0 && ph == hashes[0] {
				first = crHash
			}
			if signatureMatches(key[:], a, crHash) {
				return nil
			}
		}
	}
	var sts []byte
	sts = appendStringToSign(sts, a.amzDate, a.Scope, first)
	return apierror.SignatureDoesNotMatch("").WithExplanation(fmt.Sprintf(
		"signature does not match: canonical request SHA-256 %s, signed headers %s, string to sign %q",
		hex.EncodeToString(first[:]), quote(a.signedHeaders), sts))
}

// signatureMatches computes the signature over crHash and compares it with
// a.Signature in constant time. (The length of a signature is not secret.)
func signatureMatches(key []byte, a *Auth, crHash [sha256.Size]byte) bool {
	if len(a.Signature) != 2*sha256.Size {
		return false
	}
	var buf [256]byte
	sts := appendStringToSign(buf[:0], a.amzDate, a.Scope, crHash)
	sum := hmacSHA256(key, sts)
	var want, got [2 * sha256.Size]byte
	hex.Encode(want[:], sum[:])
	copy(got[:], a.Signature)
	return hmac.Equal(want[:], got[:])
}

// PayloadHash returns the lowercase hex SHA-256 of body, the payload hash
// Verify and Sign take.
func PayloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}
