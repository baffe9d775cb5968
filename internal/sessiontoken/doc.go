// Package sessiontoken seals and opens the session tokens of trustbridge's
// temporary credentials (ASIA... access keys).
//
// A session token is self-contained: it carries, encrypted and
// authenticated with the server key ring (internal/serverkey, purpose
// PurposeSessionToken), everything needed to verify a later request signed
// with the temporary credentials — the access key ID it belongs to, the
// secret access key the request was signed with, the principal, the
// expiration and the session's policy context (session policies, tags,
// source identity, MFA, federation facts). Verifying a request made with
// temporary credentials therefore needs no store read and no store write,
// and any replica that shares the key file can verify tokens any other
// replica issued. Tokens sealed with an older key keep opening until that
// key is removed from the ring.
//
// Token text is unpadded base64url, so it survives URLs (presigned
// X-Amz-Security-Token), HTTP headers, shell variables and the AWS CLI's
// INI files unchanged. The plaintext is a compact, versioned,
// length-prefixed binary encoding (see encode.go).
//
// Open distinguishes invalid tokens (malformed, tampered, sealed with an
// unknown key: AWS answers InvalidClientTokenId) from expired ones
// (ExpiredToken); APIError maps them. A token must also belong to the
// access key ID of the request it came with: use Verify, or compare with
// Session.MatchesAccessKeyID.
//
// The package must never log or put in an error a token, a secret access
// key or key material. Session's String, GoString and LogValue omit the
// secret access key.
package sessiontoken
