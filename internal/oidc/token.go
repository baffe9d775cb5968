package oidc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
)

// PeekIssuer returns the unverified iss claim of a JWS compact token so the
// caller can find the IAM OIDC provider to verify it with. Nothing about the
// token is trusted by this call: Verify checks iss again, along with the
// signature and every other claim.
//
// PeekIssuer is cheap and bounded: it rejects tokens outside the model's
// length bounds (ValidationError) before decoding anything, decodes only
// the payload segment, and never panics on any input. Errors are
// *apierror.Error with code ValidationError or InvalidIdentityToken; they
// never contain the token.
func PeekIssuer(rawToken string) (string, error) {
	if err := checkLength(rawToken); err != nil {
		return "", err
	}
	_, payload, _, ok := splitCompact(rawToken)
	if !ok {
		return "", invalidToken(msgInvalidJWT, "not a JWS compact serialization (want three dot-separated segments)")
	}
	b, err := decodeSegment(payload)
	if err != nil {
		return "", invalidToken(msgInvalidJWT, "payload is not base64url")
	}
	// Decode the top level into raw members so that "iss" is matched
	// exactly (encoding/json matches struct fields case-insensitively,
	// which would let "ISS" stand in for "iss" here but not in Verify).
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return "", invalidToken(msgInvalidJWT, "payload is not a JSON object")
	}
	raw, ok := top["iss"]
	if !ok {
		return "", invalidToken(msgInvalidJWT, "token has no iss claim")
	}
	var iss string
	if err := json.Unmarshal(raw, &iss); err != nil || iss == "" {
		return "", invalidToken(msgInvalidJWT, "iss claim is not a non-empty string")
	}
	return iss, nil
}

// ProviderURL converts a token's iss into the form IAM stores an OIDC
// provider's URL in (host[/path], without the scheme), for looking the
// provider up. It reports false unless iss is an https URL: IAM providers are
// always https, so a token with any other issuer scheme has no provider.
func ProviderURL(iss string) (string, bool) {
	rest, ok := strings.CutPrefix(iss, "https://")
	if !ok || rest == "" || strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}

// splitCompact splits a JWS compact serialization into its three segments.
func splitCompact(s string) (header, payload, sig string, ok bool) {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return "", "", "", false
	}
	j := strings.IndexByte(s[i+1:], '.')
	if j < 0 {
		return "", "", "", false
	}
	j += i + 1
	if strings.IndexByte(s[j+1:], '.') >= 0 {
		return "", "", "", false
	}
	return s[:i], s[i+1 : j], s[j+1:], true
}

// decodeSegment decodes one base64url segment, tolerating trailing padding
// the way go-jose does so PeekIssuer and Verify agree on every input.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// decodeJSONObject decodes a JSON object with numbers kept as json.Number,
// rejecting trailing data after the object. A duplicated member name
// resolves to its last occurrence (RFC 7519 §4 allows this in place of
// rejection).
func decodeJSONObject(b []byte) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	// Anything after the object other than whitespace is garbage.
	if _, err := d.Token(); err != io.EOF {
		return nil, false
	}
	return m, true
}
