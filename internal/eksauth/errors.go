package eksauth

import (
	"net/http"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/oidc"
)

// The EKS Auth errors. Codes and statuses are the botocore model's: every
// client error is 400 except ResourceNotFoundException (404) and
// ThrottlingException (429); InternalServerException is 500 and
// ServiceUnavailableException 503. (An AccessDeniedException from the
// IAM authorization of the caller itself is 403, as every IAM denial.)
// Messages never quote the token.

func invalidToken(explanation string) *apierror.Error {
	return &apierror.Error{Code: "InvalidTokenException", Message: "The service account token is not valid.", Status: http.StatusBadRequest, Explanation: explanation}
}

func invalidParameter(msg string) *apierror.Error {
	return &apierror.Error{Code: "InvalidParameterException", Message: msg, Status: http.StatusBadRequest}
}

func invalidRequest(msg string) *apierror.Error {
	return &apierror.Error{Code: "InvalidRequestException", Message: msg, Status: http.StatusBadRequest}
}

func notFound(msg string) *apierror.Error {
	return &apierror.Error{Code: "ResourceNotFoundException", Message: msg, Status: http.StatusNotFound}
}

func accessDenied(msg, explanation string) *apierror.Error {
	return &apierror.Error{Code: "AccessDeniedException", Message: msg, Status: http.StatusBadRequest, Explanation: explanation}
}

// tokenError maps the OIDC verifier's errors (STS's codes) to EKS Auth's:
// an expired token is ExpiredTokenException, an unreachable issuer
// ServiceUnavailableException (a dependency outage, not the pod's fault),
// anything else InvalidTokenException. The explanation is kept.
// Non-API errors (a broken issuer CA bundle in the store) pass unchanged
// and become a 500.
func tokenError(err error) error {
	e, ok := apierror.As(err)
	if !ok {
		return err
	}
	switch e.Code {
	case oidc.CodeExpiredToken:
		return &apierror.Error{Code: "ExpiredTokenException", Message: "The service account token has expired.", Status: http.StatusBadRequest, Explanation: e.Explanation}
	case oidc.CodeIDPCommunicationError:
		return &apierror.Error{Code: "ServiceUnavailableException", Message: "The cluster's service account issuer could not be reached. Retry the request.", Status: http.StatusServiceUnavailable, Receiver: true, Explanation: e.Explanation}
	}
	return invalidToken(e.Explanation)
}
