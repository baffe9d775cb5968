// Package apierror defines the typed error every trustbridge API handler
// returns. One adapter per protocol (awsquery for the Query/XML APIs, the
// REST/JSON writer for EKS and EKS Auth) turns an *Error into the wire
// envelope AWS clients parse. Any error that is not an *Error is written as
// a 500 InternalFailure with no inner text, so internal details never leak.
//
// The package is pure: no I/O, no logging.
package apierror

import (
	"errors"
	"fmt"
	"net/http"
)

// An Error is an AWS-shaped API error: a code clients switch on, a message
// they may display or parse, and the HTTP status.
type Error struct {
	// Code is AWS's error code, for example "AccessDenied".
	Code string
	// Message is AWS's exact message text for this condition.
	Message string
	// Status is the HTTP status code. If zero, 400 is used.
	Status int
	// Receiver marks server-side faults (the Query envelope's
	// <Type>Receiver</Type>); the default is Sender.
	Receiver bool
	// Explanation is trustbridge's one-line reason for a denial. It is never
	// written to the wire unless the server runs with --explain-errors.
	Explanation string
	// Fields carries extra top-level members some REST/JSON errors have
	// (for example EKS's "clusterName"); optional.
	Fields map[string]string
}

// Error implements error. It does not include Explanation.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus returns Status, or 400 if it is zero.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// WithExplanation returns a copy of e carrying the given explanation.
func (e *Error) WithExplanation(s string) *Error {
	c := *e
	c.Explanation = s
	return &c
}

// New returns an *Error with the given code, status and formatted message.
func New(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Internal is the error written for every failure that is not an *Error.
func Internal() *Error {
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
}

// Common errors shared by the Query APIs (STS, IAM). Messages are AWS's.

// AccessDenied is the generic authorization failure.
func AccessDenied(msg string) *Error {
	return &Error{Code: "AccessDenied", Message: msg, Status: http.StatusForbidden}
}

// ValidationError reports a request parameter that failed a constraint.
func ValidationError(msg string) *Error {
	return &Error{Code: "ValidationError", Message: msg, Status: http.StatusBadRequest}
}

// ConstraintError formats AWS's "1 validation error detected" message for
// one member that failed a constraint, for example
// ConstraintError("x", "roleSessionName", "Member must have length greater than or equal to 2").
func ConstraintError(value, member, constraint string) *Error {
	return ValidationError(fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

// MissingParameter reports a required parameter that is absent.
func MissingParameter(name string) *Error {
	return &Error{Code: "MissingParameter", Message: fmt.Sprintf("The request must contain the parameter %s", name), Status: http.StatusBadRequest}
}

// InvalidAction reports an unknown Action for an API version.
func InvalidAction(action, version string) *Error {
	return &Error{Code: "InvalidAction", Message: fmt.Sprintf("Could not find operation %s for version %s", action, version), Status: http.StatusBadRequest}
}

// MalformedPolicyDocument reports a policy document that failed validation.
func MalformedPolicyDocument(msg string) *Error {
	return &Error{Code: "MalformedPolicyDocument", Message: msg, Status: http.StatusBadRequest}
}

// InvalidClientTokenID reports an unknown access key or a tampered session token.
func InvalidClientTokenID() *Error {
	return &Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: http.StatusForbidden}
}

// ExpiredToken reports an expired session token.
func ExpiredToken() *Error {
	return &Error{Code: "ExpiredToken", Message: "The security token included in the request is expired", Status: http.StatusForbidden}
}

// SignatureDoesNotMatch reports a SigV4 signature or time check failure.
func SignatureDoesNotMatch(msg string) *Error {
	if msg == "" {
		msg = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	}
	return &Error{Code: "SignatureDoesNotMatch", Message: msg, Status: http.StatusForbidden}
}

// IncompleteSignature reports a malformed Authorization header or presigned query.
func IncompleteSignature(msg string) *Error {
	return &Error{Code: "IncompleteSignature", Message: msg, Status: http.StatusBadRequest}
}

// MissingAuthenticationToken reports a request with no signature at all.
func MissingAuthenticationToken() *Error {
	return &Error{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Status: http.StatusForbidden}
}
