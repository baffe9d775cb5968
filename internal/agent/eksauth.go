package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Credentials are the temporary AWS credentials EKS Auth issued for one
// service-account token, with the identity they belong to.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// AccountID is the account of the assumed role, taken from
	// AssumedRoleARN; empty if that ARN does not carry one.
	AccountID  string
	Expiration time.Time

	// AssumedRoleARN is assumedRoleUser.arn, the STS assumed-role ARN.
	AssumedRoleARN string
	// Namespace and ServiceAccount are the response's subject.
	Namespace      string
	ServiceAccount string
	// AssociationID is podIdentityAssociation.associationId.
	AssociationID string
}

// maxResponseBytes bounds an EKS Auth response body.
const maxResponseBytes = 1 << 20

// eksAuthClient calls EKS Auth's AssumeRoleForPodIdentity. The SDK's
// service/eksauth client is not available to this module, and the call is
// one REST/JSON request, so it is written out here from botocore's model
// (data/eks-auth/2023-11-26).
type eksAuthClient struct {
	url       string // https://host/prefix/clusters/NAME/assume-role-for-pod-identity
	region    string
	creds     aws.CredentialsProvider
	signer    *v4.Signer
	http      *http.Client
	userAgent string
}

// assume exchanges token for credentials, signing the request at now. Every
// error it returns is an *Error carrying the status the pod should see, or
// an *upstreamError when EKS Auth answered with an error response.
func (c *eksAuthClient) assume(ctx context.Context, token string, now time.Time) (Credentials, error) {
	nodeCreds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return Credentials{}, &Error{Status: http.StatusInternalServerError, Code: CodeNodeCredentials,
			Message: "the agent could not load its own AWS credentials to call EKS Auth (see the agent's log)", cause: err}
	}
	body, err := json.Marshal(struct {
		Token string `json:"token"`
	}{token})
	if err != nil {
		return Credentials{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Credentials{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, nodeCreds, req, hex.EncodeToString(sum[:]), "eks-auth", c.region, now.UTC()); err != nil {
		return Credentials{}, &Error{Status: http.StatusInternalServerError, Code: CodeNodeCredentials,
			Message: "the agent could not sign its EKS Auth request (see the agent's log)", cause: err}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Credentials{}, transportError(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return Credentials{}, transportError(err)
	}
	if len(raw) > maxResponseBytes {
		return Credentials{}, badResponse("the response body exceeds 1 MiB")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if ue := parseUpstreamError(resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), raw, token); ue != nil {
			return Credentials{}, ue
		}
		return Credentials{}, badResponse(fmt.Sprintf("HTTP %d without an AWS error code", resp.StatusCode))
	}
	creds, err := parseAssumeRoleResponse(raw)
	if err != nil {
		return Credentials{}, badResponse(err.Error())
	}
	return creds, nil
}

func badResponse(why string) *Error {
	return &Error{Status: http.StatusBadGateway, Code: CodeUpstreamBadResponse,
		Message: "EKS Auth returned an invalid AssumeRoleForPodIdentity response: " + why}
}

// transportError classifies a failure to get any response from EKS Auth.
func transportError(err error) *Error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Status: http.StatusGatewayTimeout, Code: CodeUpstreamTimeout,
			Message: "EKS Auth did not answer in time", cause: err}
	}
	return &Error{Status: http.StatusBadGateway, Code: CodeUpstreamUnreachable,
		Message: "EKS Auth is unreachable: " + withoutURL(err), cause: err}
}

// withoutURL returns the text of err without the *url.Error prefix that
// repeats the method and URL ("dial tcp 127.0.0.1:1: connect: connection
// refused").
func withoutURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// parseUpstreamError reads an EKS Auth REST/JSON error response. The code
// comes from the x-amzn-ErrorType header or the body's __type, code or Code
// member, with any "namespace#" prefix and ":detail" suffix removed; the
// message from message or Message. It returns nil if no code is present.
// The message is scrubbed of token.
func parseUpstreamError(status int, errorType string, body []byte, token string) *upstreamError {
	var shape struct {
		Type     string `json:"__type"`
		LowCode  string `json:"code"`
		Code     string `json:"Code"`
		Message  string `json:"message"`
		UMessage string `json:"Message"`
	}
	_ = json.Unmarshal(body, &shape) // a body that is not JSON simply has no code or message
	code := errorType
	for _, c := range []string{shape.Type, shape.LowCode, shape.Code} {
		if code == "" {
			code = c
		}
	}
	code = cleanCode(code)
	if code == "" {
		return nil
	}
	msg := shape.Message
	if msg == "" {
		msg = shape.UMessage
	}
	return &upstreamError{status: status, code: code, message: scrub(msg, token)}
}

// cleanCode strips the decorations AWS puts around an error code
// ("aws.eksauth#InvalidTokenException:http://...") and rejects anything
// that is not a plain identifier.
func cleanCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	code = strings.TrimSpace(code)
	if len(code) > 128 {
		return ""
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
			return ""
		}
	}
	return code
}

// assumeRoleResponse is AssumeRoleForPodIdentityResponse from botocore's
// model (all members required).
type assumeRoleResponse struct {
	Subject struct {
		Namespace      string `json:"namespace"`
		ServiceAccount string `json:"serviceAccount"`
	} `json:"subject"`
	Audience               string `json:"audience"`
	PodIdentityAssociation struct {
		AssociationArn string `json:"associationArn"`
		AssociationID  string `json:"associationId"`
	} `json:"podIdentityAssociation"`
	AssumedRoleUser struct {
		Arn          string `json:"arn"`
		AssumeRoleID string `json:"assumeRoleId"`
	} `json:"assumedRoleUser"`
	Credentials struct {
		SessionToken    string          `json:"sessionToken"`
		SecretAccessKey string          `json:"secretAccessKey"`
		AccessKeyID     string          `json:"accessKeyId"`
		Expiration      json.RawMessage `json:"expiration"`
	} `json:"credentials"`
}

// parseAssumeRoleResponse decodes a successful AssumeRoleForPodIdentity
// body. The credentials and their expiration are required; the identity
// members are kept when present. Errors never quote the body.
func parseAssumeRoleResponse(body []byte) (Credentials, error) {
	var r assumeRoleResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Credentials{}, errors.New("the body is not the expected JSON object")
	}
	c := r.Credentials
	switch {
	case c.AccessKeyID == "":
		return Credentials{}, errors.New("credentials.accessKeyId is missing")
	case c.SecretAccessKey == "":
		return Credentials{}, errors.New("credentials.secretAccessKey is missing")
	case c.SessionToken == "":
		return Credentials{}, errors.New("credentials.sessionToken is missing")
	}
	exp, err := parseTimestamp(c.Expiration)
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials.expiration: %w", err)
	}
	return Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		AccountID:       accountFromARN(r.AssumedRoleUser.Arn),
		Expiration:      exp,
		AssumedRoleARN:  r.AssumedRoleUser.Arn,
		Namespace:       r.Subject.Namespace,
		ServiceAccount:  r.Subject.ServiceAccount,
		AssociationID:   r.PodIdentityAssociation.AssociationID,
	}, nil
}

// parseTimestamp reads a REST/JSON timestamp: epoch seconds as a JSON
// number (the protocol's default, fractions allowed), or a string holding
// RFC 3339 or epoch seconds. The result is in UTC, truncated to the second.
func parseTimestamp(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, errors.New("missing")
	}
	if s[0] == '"' {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return time.Time{}, errors.New("not a timestamp")
		}
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			return t.UTC().Truncate(time.Second), nil
		}
		s = str
	}
	f, err := strconv.ParseFloat(s, 64)
	// 253402300799 is 9999-12-31T23:59:59Z, the last time RFC 3339 can write.
	if err != nil || math.IsNaN(f) || f < 1 || f > 253402300799 {
		return time.Time{}, errors.New("not a timestamp")
	}
	return time.Unix(int64(f), 0).UTC(), nil
}

// accountFromARN returns the 12-digit account of an ARN
// ("arn:aws:sts::111122223333:assumed-role/r/s"), or "".
func accountFromARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || len(parts[4]) != 12 {
		return ""
	}
	for _, r := range parts[4] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return parts[4]
}
