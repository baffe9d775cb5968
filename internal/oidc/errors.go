package oidc

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// Error codes returned by Verify and PeekIssuer. They are STS's codes for
// AssumeRoleWithWebIdentity (botocore data/sts/2011-06-15, the
// InvalidIdentityTokenException, ExpiredTokenException and
// IDPCommunicationErrorException shapes). The EKS Auth handler maps them to
// its own (InvalidTokenException, ExpiredTokenException).
const (
	// CodeInvalidIdentityToken: the token is malformed, its signature does
	// not verify, a claim is wrong, or no usable key could be found.
	CodeInvalidIdentityToken = "InvalidIdentityToken"
	// CodeExpiredToken: the token's exp is in the past.
	CodeExpiredToken = "ExpiredTokenException"
	// CodeIDPCommunicationError: the issuer could not be reached, was too
	// slow, answered too much, or failed the TLS handshake.
	CodeIDPCommunicationError = "IDPCommunicationError"
	// CodeValidationError: the token is longer than MaxTokenLength
	// characters (or shorter than MinTokenLength).
	CodeValidationError = "ValidationError"
)

// Messages. Where AWS's exact wording is publicly known it is used verbatim
// (including its quirks, such as the double space in msgNoKey and the
// missing space before the second number of the expiry message, both as
// they appear in AWS CLI output quoted in public bug reports against
// aws-actions/configure-aws-credentials, eksctl and the AWS SDKs). Where it
// is not known, the exception's modeled documentation text is used.
const (
	// msgInvalidJWT is AWS's answer to a token that does not parse as a
	// JWS compact serialization (for example an opaque access token).
	msgInvalidJWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
	// msgAudience is AWS's answer when no aud (or azp) is a client ID of
	// the provider.
	msgAudience = "Incorrect token audience"
	// msgNoKey is AWS's answer when discovery or the JWKS cannot be used
	// or holds no key for the token.
	msgNoKey = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	// msgThumbprint is AWS's answer when the issuer's certificate chain is
	// not trusted and its top certificate matches no configured thumbprint.
	msgThumbprint = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
	// msgInvalid is the modeled InvalidIdentityTokenException text, used
	// for a bad signature, a wrong issuer, a missing sub and similar
	// failures whose exact AWS wording is not documented.
	msgInvalid = "The web identity token that was passed could not be validated by Amazon Web Services. Get a new identity token from the identity provider and then retry the request."
	// msgIDPComm is the modeled IDPCommunicationErrorException text.
	msgIDPComm = "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached. This is often a transient error caused by network conditions. Retry the request a limited number of times so that you don't exceed the request rate. If the error persists, the identity provider might be down or not responding."
)

// MaxTokenLength and MinTokenLength are the WebIdentityToken length bounds
// of STS's model (clientTokenType: min 4, max 20000, sensitive).
const (
	MaxTokenLength = 20000
	MinTokenLength = 4
)

func invalidToken(msg, explanation string) *apierror.Error {
	return &apierror.Error{Code: CodeInvalidIdentityToken, Message: msg, Status: http.StatusBadRequest, Explanation: "web identity token rejected: " + explanation}
}

func idpCommunication(explanation string) *apierror.Error {
	return &apierror.Error{Code: CodeIDPCommunicationError, Message: msgIDPComm, Status: http.StatusBadRequest, Explanation: "identity provider unreachable: " + explanation}
}

// expired formats AWS's ExpiredTokenException for a web identity token. The
// wording, Unix seconds and the missing space before the second number are
// AWS's, as printed by the AWS CLI ("Token expired: current date/time
// 1627566393 must be before the expiration date/time1627566329").
func expired(now, exp time.Time) *apierror.Error {
	return &apierror.Error{
		Code:        CodeExpiredToken,
		Message:     fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time%d", now.Unix(), exp.Unix()),
		Status:      http.StatusBadRequest,
		Explanation: fmt.Sprintf("web identity token expired at %s; it is now %s", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)),
	}
}

// lengthError is the ValidationError for a token outside the model's length
// bounds. The value is never echoed: WebIdentityToken is a sensitive member
// and AWS omits sensitive values from validation messages.
func lengthError(n int) *apierror.Error {
	var c string
	if n > MaxTokenLength {
		c = "Member must have length less than or equal to " + strconv.Itoa(MaxTokenLength)
	} else {
		c = "Member must have length greater than or equal to " + strconv.Itoa(MinTokenLength)
	}
	e := apierror.ValidationError("1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: " + c)
	e.Explanation = fmt.Sprintf("web identity token is %d characters long; STS accepts %d to %d", n, MinTokenLength, MaxTokenLength)
	return e
}

// checkLength enforces the model's length bounds in characters.
func checkLength(raw string) error {
	// Fast path: a byte length inside the bounds means the character
	// count is too (characters never outnumber bytes).
	n := len(raw)
	if n >= MinTokenLength && n <= MaxTokenLength {
		return nil
	}
	if n > MaxTokenLength {
		n = utf8.RuneCountInString(raw)
		if n <= MaxTokenLength {
			return nil
		}
	}
	return lengthError(n)
}

// quote renders an attacker-controlled string (a kid, an iss, an alg) for an
// Explanation: bounded to max bytes and Go-quoted so control characters,
// newlines and quotes cannot forge log lines or break formatting.
func quote(s string, max int) string {
	if len(s) > max {
		// Cut on a rune boundary so the quoted form stays valid UTF-8.
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
