// Package logtest scans captured log and audit text for secrets: the
// secret access keys, session tokens, request signatures, web identity
// tokens and server key material a test used or received. A test registers
// every secret it handles, captures every line the code under test wrote,
// and fails if any secret, or a long fragment of one, or one of its
// common encodings (URL query, JSON, base64 of its parts) appears.
//
// It is test support only: it must never be imported by production code,
// and its findings must never print the secret itself (only its name and
// where it was found), so a failing test does not leak what it guards.
package logtest
