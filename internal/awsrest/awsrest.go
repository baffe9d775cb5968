// Package awsrest implements the REST/JSON protocol envelope used by EKS and
// EKS Auth: bounded JSON request bodies and AWS's JSON error shape
// (x-amzn-ErrorType header plus {"message": ...}).
//
// Handlers return *apierror.Error values; WriteError renames the Query-style
// authentication codes (SignatureDoesNotMatch, InvalidClientTokenId, ...) to
// the names REST/JSON services use (InvalidSignatureException,
// UnrecognizedClientException, ...). Any other error becomes a 500 with no
// inner text. This package never logs.
package awsrest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// MaxBodyBytes bounds a REST/JSON request body.
const MaxBodyBytes = 1 << 20

// restCodes maps the Query protocol's authentication error codes to the
// codes REST/JSON services answer with.
var restCodes = map[string]string{
	"SignatureDoesNotMatch":      "InvalidSignatureException",
	"IncompleteSignature":        "IncompleteSignatureException",
	"InvalidClientTokenId":       "UnrecognizedClientException",
	"ExpiredToken":               "ExpiredTokenException",
	"MissingAuthenticationToken": "MissingAuthenticationTokenException",
	"AccessDenied":               "AccessDeniedException",
	"ValidationError":            "ValidationException",
	"InternalFailure":            "InternalFailure",
	"RequestEntityTooLarge":      "RequestEntityTooLargeException",
}

// ReadJSON decodes a JSON body of at most MaxBodyBytes into v. An empty body
// decodes as {}. Unknown fields are ignored, as AWS services do.
func ReadJSON(r *http.Request, v any) error {
	if r.ContentLength > MaxBodyBytes {
		return tooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return &apierror.Error{Code: "InvalidRequestException", Message: "The request body could not be read.", Status: http.StatusBadRequest}
	}
	if len(b) > MaxBodyBytes {
		return tooLarge()
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &apierror.Error{Code: "SerializationException", Message: fmt.Sprintf("Unexpected value type for field %s.", te.Field), Status: http.StatusBadRequest}
		}
		return &apierror.Error{Code: "SerializationException", Message: "The request body is not valid JSON.", Status: http.StatusBadRequest}
	}
	return nil
}

func tooLarge() *apierror.Error {
	return &apierror.Error{Code: "RequestEntityTooLargeException", Message: fmt.Sprintf("Request body exceeds the maximum allowed size of %d bytes.", MaxBodyBytes), Status: http.StatusRequestEntityTooLarge}
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, requestID string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, requestID, err, false)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if requestID != "" {
		w.Header().Set("x-amzn-RequestId", requestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Code returns the REST/JSON code for an error code.
func Code(code string) string {
	if c, ok := restCodes[code]; ok {
		return c
	}
	return code
}

// WriteError writes AWS's REST/JSON error for err. With explain, an
// *apierror.Error's Explanation is appended to the message.
func WriteError(w http.ResponseWriter, requestID string, err error, explain bool) {
	e, ok := apierror.As(err)
	if !ok {
		e = apierror.Internal()
	}
	code := Code(e.Code)
	msg := e.Message
	if explain && e.Explanation != "" {
		msg += " (trustbridge: " + e.Explanation + ")"
	}
	body := map[string]string{"message": msg}
	for k, v := range e.Fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", code)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if requestID != "" {
		w.Header().Set("x-amzn-RequestId", requestID)
	}
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(b)
}
