package agent

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// An Error is a failure the agent answers a pod with: an HTTP status and a
// plain-text message. Message is safe to show to the pod and to log: it
// never contains the service-account token or any credential.
type Error struct {
	// Status is the HTTP status code written to the pod.
	Status int
	// Code names the condition: an EKS Auth error code such as
	// "InvalidTokenException" when EKS Auth answered with one, otherwise
	// one of the agent's own codes (the Code* constants).
	Code string
	// Message is the text body, one line, without a trailing newline.
	Message string

	// cause is the underlying failure, for the agent's log only.
	cause error
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the underlying failure, if any.
func (e *Error) Unwrap() error { return e.cause }

// The agent's own error codes, used when the failure is not an EKS Auth
// error response.
const (
	// CodeNotFound: the path is not /v1/credentials.
	CodeNotFound = "NotFound"
	// CodeMethodNotAllowed: the method is not GET.
	CodeMethodNotAllowed = "MethodNotAllowed"
	// CodeInvalidHost: the Host header is not one of the agent's addresses.
	CodeInvalidHost = "InvalidHost"
	// CodeMissingToken: no Authorization header (or more than one).
	CodeMissingToken = "MissingToken"
	// CodeMalformedToken: the Authorization header is not a JWT.
	CodeMalformedToken = "MalformedToken"
	// CodeNodeCredentials: the node's own AWS credentials are unavailable
	// or were rejected by EKS Auth.
	CodeNodeCredentials = "NodeCredentialsError"
	// CodeUpstreamUnreachable: EKS Auth could not be reached.
	CodeUpstreamUnreachable = "UpstreamUnreachable"
	// CodeUpstreamTimeout: EKS Auth did not answer in time.
	CodeUpstreamTimeout = "UpstreamTimeout"
	// CodeUpstreamBadResponse: EKS Auth answered with something that is
	// not a valid AssumeRoleForPodIdentity response.
	CodeUpstreamBadResponse = "UpstreamBadResponse"
)

// upstreamStatus is the agent's HTTP status for each EKS Auth error code.
// EKS's own agent maps the SDK's typed errors the same way: token problems
// are 401, authorization 403, a missing association 404, bad parameters
// 400, throttling 429, server faults 500/503.
//
//	InvalidTokenException        401  token signature, issuer or audience rejected
//	ExpiredTokenException        401  token expired
//	AccessDeniedException        403  not allowed
//	ResourceNotFoundException    404  no Pod Identity association for the ServiceAccount, or no cluster
//	InvalidParameterException    400
//	InvalidRequestException      400
//	ThrottlingException          429
//	InternalServerException      500
//	ServiceUnavailableException  503
//
// Errors about the node's own signature (UnrecognizedClientException,
// InvalidSignatureException, an ExpiredTokenException about the caller's
// security token, ...) are 500 with CodeNodeCredentials: the pod is not at
// fault, and its cached credentials stay in service. Any other code is 500.
var upstreamStatus = map[string]int{
	"InvalidTokenException":       http.StatusUnauthorized,
	"ExpiredTokenException":       http.StatusUnauthorized,
	"AccessDeniedException":       http.StatusForbidden,
	"ResourceNotFoundException":   http.StatusNotFound,
	"InvalidParameterException":   http.StatusBadRequest,
	"InvalidRequestException":     http.StatusBadRequest,
	"ThrottlingException":         http.StatusTooManyRequests,
	"InternalServerException":     http.StatusInternalServerError,
	"ServiceUnavailableException": http.StatusServiceUnavailable,
}

// upstreamReason is the human sentence that leads each mapped error body.
var upstreamReason = map[string]string{
	"InvalidTokenException":       "EKS Auth rejected the service account token (wrong audience, issuer or signature?)",
	"ExpiredTokenException":       "EKS Auth rejected the service account token as expired",
	"AccessDeniedException":       "EKS Auth denied the request",
	"ResourceNotFoundException":   "EKS Auth found no Pod Identity association for this service account (or no such cluster)",
	"InvalidParameterException":   "EKS Auth rejected a request parameter",
	"InvalidRequestException":     "EKS Auth rejected the request",
	"ThrottlingException":         "EKS Auth is throttling requests; retry later",
	"InternalServerException":     "EKS Auth failed with an internal error",
	"ServiceUnavailableException": "EKS Auth is unavailable; retry later",
}

// nodeCredentialCodes are EKS Auth answers that blame the caller's SigV4
// signature, i.e. the node's credentials, not the pod's token.
var nodeCredentialCodes = map[string]bool{
	"UnrecognizedClientException":         true,
	"InvalidSignatureException":           true,
	"IncompleteSignatureException":        true,
	"MissingAuthenticationTokenException": true,
	"InvalidClientTokenId":                true,
	"SignatureDoesNotMatch":               true,
	"IncompleteSignature":                 true,
	"MissingAuthenticationToken":          true,
}

// evictingCodes are the EKS Auth errors that say this token no longer maps
// to credentials; its cache entry is dropped so the pod sees the error
// instead of credentials that were revoked.
var evictingCodes = map[string]bool{
	"InvalidTokenException":     true,
	"ExpiredTokenException":     true,
	"AccessDeniedException":     true,
	"ResourceNotFoundException": true,
}

// An upstreamError is an error response from EKS Auth.
type upstreamError struct {
	status  int    // HTTP status EKS Auth answered with
	code    string // x-amzn-ErrorType or __type/code, without namespace or suffix
	message string // EKS Auth's message, scrubbed and bounded
}

func (e *upstreamError) Error() string {
	return fmt.Sprintf("EKS Auth %s (HTTP %d): %s", e.code, e.status, e.message)
}

// nodeFault reports whether EKS Auth blamed the agent's own credentials.
// REST/JSON services answer an expired *caller* session token with
// ExpiredTokenException too; AWS's message for that case ("The security
// token included in the request is expired") tells it apart from an
// expired service-account token.
func (e *upstreamError) nodeFault() bool {
	return nodeCredentialCodes[e.code] ||
		(e.code == "ExpiredTokenException" && strings.Contains(e.message, "security token included in the request"))
}

// evicts reports whether the error means the token no longer maps to
// credentials, so its cache entry must go.
func (e *upstreamError) evicts() bool { return evictingCodes[e.code] && !e.nodeFault() }

// agentError converts an upstream error response into the Error the pod
// sees, following the upstreamStatus table.
func (e *upstreamError) agentError() *Error {
	if e.nodeFault() {
		return &Error{Status: http.StatusInternalServerError, Code: CodeNodeCredentials,
			Message: fmt.Sprintf("EKS Auth rejected the agent's own AWS credentials (%s: %s); check the node's credentials and the agent's --region", e.code, e.message)}
	}
	status, ok := upstreamStatus[e.code]
	reason := upstreamReason[e.code]
	if !ok {
		status = http.StatusInternalServerError
		reason = "EKS Auth failed"
	}
	msg := reason + " (" + e.code
	if e.message != "" {
		msg += ": " + e.message
	}
	msg += ")"
	return &Error{Status: status, Code: e.code, Message: msg}
}

// maxMessageBytes bounds an upstream message repeated to the pod.
const maxMessageBytes = 512

// scrub makes an upstream message safe to repeat: every occurrence of the
// token is replaced, control characters become spaces, and the result is
// bounded to maxMessageBytes of valid UTF-8.
func scrub(msg, token string) string {
	if token != "" {
		msg = strings.ReplaceAll(msg, token, "[token]")
		// A message might quote one part of the JWT (its claims, say).
		for part := range strings.SplitSeq(token, ".") {
			if len(part) >= 8 {
				msg = strings.ReplaceAll(msg, part, "[token]")
			}
		}
	}
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, msg)
	msg = strings.TrimSpace(msg)
	if len(msg) > maxMessageBytes {
		cut := maxMessageBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "..."
	}
	return msg
}
