// Package awsid generates and decodes AWS-style identifiers: access key IDs
// (AKIA..., ASIA...) that encode their account the way real AWS keys do, so
// that GetAccessKeyInfo's algorithm recovers it; unique IDs for users, roles
// and policies (AIDA..., AROA..., ANPA...); secret access keys; and request
// IDs.
//
// All randomness comes from crypto/rand. The package is pure apart from
// that: no I/O, no logging, no global state.
//
// It must never derive anything secret from an identifier: access key IDs
// and unique IDs are public values that appear in logs, ARNs and API
// responses; only NewSecretAccessKey produces a secret.
package awsid
