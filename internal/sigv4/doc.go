// Package sigv4 verifies AWS Signature Version 4 on the server, exactly as
// the AWS SDKs, botocore and the AWS CLI sign, and signs and presigns
// requests for trustbridge's own clients (get-token, the Pod Identity
// agent, the load generator, tests).
//
// Verification is three steps, so that the caller can look the credential
// up in between and answer each failure the way AWS does:
//
//	a, err := sigv4.Parse(r)                  // IncompleteSignature, MissingAuthenticationToken
//	err = v.Check(a, "sts", now)              // scope and clock: SignatureDoesNotMatch
//	secret := lookup(a.AccessKeyID, a.SecurityToken) // InvalidClientTokenId, ExpiredToken (caller)
//	err = v.Verify(r, a, secret, payloadHash) // SignatureDoesNotMatch
//
// Both forms are supported: the Authorization header and presigned query
// parameters (X-Amz-Algorithm, X-Amz-Credential, ...). Every error is an
// *apierror.Error with AWS's code and, where AWS's wording is known, its
// message; messages trustbridge had to word itself are marked "ours" in
// the source. Errors never contain a signature, secret or session token.
//
// The package is pure: no I/O, no logging, no clock (time is a
// parameter), no global mutable state apart from a buffer pool. A Verifier
// and a KeyCache are safe for concurrent use.
//
// It must never compare signatures in variable time, never accept a
// request whose credential scope names another service than the one the
// request is routed to, and never let a cached signing key be found with a
// different secret than the one it was derived from.
package sigv4
