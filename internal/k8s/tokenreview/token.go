package tokenreview

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/ascii"
)

// Token format constants, as aws-iam-authenticator defines them.
const (
	// Prefix starts every v1 token.
	Prefix = "k8s-aws-v1."
	// MaxTokenLength is the longest token accepted, prefix included.
	MaxTokenLength = 4096
	// ClusterIDHeader is the signed header that binds a token to a cluster.
	ClusterIDHeader = "x-k8s-aws-id"
	// Window is how long a token is honoured after its X-Amz-Date,
	// whatever its X-Amz-Expires says (clients sign 60 s but report a
	// 14-minute expiry, relying on this).
	Window = 15 * time.Minute
	// MaxClockSkew is how far in the future X-Amz-Date may be, as STS
	// allows.
	MaxClockSkew = 15 * time.Minute
	// MaxExpires is the largest X-Amz-Expires accepted, in seconds.
	MaxExpires = 900

	amzDateFormat = "20060102T150405Z"
	stsVersion    = "2011-06-15"
)

// A Reason classifies a token rejection. Reasons are stable strings for
// logs, metrics and explain output.
type Reason string

// Rejection reasons, in the order ParseToken checks them.
const (
	ReasonTooLong        Reason = "too-long"
	ReasonPrefix         Reason = "prefix"
	ReasonBase64         Reason = "base64"
	ReasonURL            Reason = "url"
	ReasonScheme         Reason = "scheme"
	ReasonHost           Reason = "host"
	ReasonPath           Reason = "path"
	ReasonQuery          Reason = "query"
	ReasonAction         Reason = "action"
	ReasonAlgorithm      Reason = "algorithm"
	ReasonSignedHeaders  Reason = "signed-headers"
	ReasonExpires        Reason = "expires"
	ReasonDate           Reason = "date"
	ReasonExpired        Reason = "expired"
	ReasonNotYetValid    Reason = "not-yet-valid"
	ReasonCredential     Reason = "credential"
	ReasonSignature      Reason = "signature"
	ReasonNotMapped      Reason = "not-mapped"
	ReasonUnknownCluster Reason = "unknown-cluster"
	ReasonMapping        Reason = "mapping"
	ReasonInternal       Reason = "internal"
)

// A TokenError is a rejected token. Message and Detail never contain the
// token, its signature or its security token, so they are safe to log;
// Error() (reason and message) is what the apiserver gets.
type TokenError struct {
	Reason  Reason
	Message string
	// Detail is trustbridge's longer explanation (for example the
	// canonical request hash and string to sign of a signature mismatch),
	// for logs and explain output only; it is not part of Error().
	Detail string
}

func (e *TokenError) Error() string { return string(e.Reason) + ": " + e.Message }

func reject(r Reason, format string, args ...any) *TokenError {
	return &TokenError{Reason: r, Message: fmt.Sprintf(format, args...)}
}

// A PresignedRequest is the presigned STS GetCallerIdentity request a token
// carries, checked structurally but not yet cryptographically. The
// verifier must re-create the canonical request from Method, Host, Path,
// RawQuery and Header (which holds x-k8s-aws-id set to the verifying
// cluster's name, not to anything the token says) and compare signatures.
type PresignedRequest struct {
	// Method is always GET.
	Method string
	// Host is the URL's host (with port, if any), as signed.
	Host string
	// Path is always "/".
	Path string
	// RawQuery is the query exactly as in the token, X-Amz-Signature
	// included.
	RawQuery string
	// Header holds the signed headers other than host: x-k8s-aws-id.
	Header http.Header

	// Cluster is the cluster name put in x-k8s-aws-id.
	Cluster string
	// Time is the time the token is being evaluated at (ParseToken's now);
	// verifiers must check clocks and credential expiry against it.
	Time time.Time
	// AccessKeyID, CredentialDate, Region and Service come from
	// X-Amz-Credential (AKID/YYYYMMDD/REGION/SERVICE/aws4_request).
	AccessKeyID    string
	CredentialDate string
	Region         string
	Service        string
	// SignedHeaders is X-Amz-SignedHeaders split on ";".
	SignedHeaders []string
	// Date is X-Amz-Date.
	Date time.Time
	// Expires is X-Amz-Expires.
	Expires time.Duration
	// SecurityToken is X-Amz-Security-Token, for temporary credentials.
	// Secret: never log it.
	SecurityToken string
	// Signature is X-Amz-Signature (64 lowercase hex digits).
	Signature string
}

// URL returns the request URL.
func (p *PresignedRequest) URL() string {
	return "https://" + p.Host + p.Path + "?" + p.RawQuery
}

// HTTPRequest returns the request as an *http.Request with the cluster
// header set, for SigV4 verifiers that work on http.Request.
func (p *PresignedRequest) HTTPRequest() *http.Request {
	u := &url.URL{Scheme: "https", Host: p.Host, Path: p.Path, RawQuery: p.RawQuery}
	return &http.Request{Method: p.Method, URL: u, Host: p.Host, Header: p.Header.Clone(), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// The only query parameters a token may carry, lower-cased, in the order
// of a query's index into them.
const (
	qAction = iota
	qVersion
	qAlgorithm
	qCredential
	qDate
	qExpires
	qSecurityToken
	qSignature
	qSignedHeaders
	numQuery
)

var queryNames = [numQuery]string{
	qAction:        "action",
	qVersion:       "version",
	qAlgorithm:     "x-amz-algorithm",
	qCredential:    "x-amz-credential",
	qDate:          "x-amz-date",
	qExpires:       "x-amz-expires",
	qSecurityToken: "x-amz-security-token",
	qSignature:     "x-amz-signature",
	qSignedHeaders: "x-amz-signedheaders",
}

// query is a token's decoded query: each allowed parameter's value, and
// which were present.
type query struct {
	val [numQuery]string
	has [numQuery]bool
}

// queryIndex returns the index of an allowed parameter name, matched
// ASCII-case-insensitively (package ascii: no Unicode fold such as K or
// ſ matches), or -1.
func queryIndex(name string) int {
	for i, n := range queryNames {
		if ascii.EqualLower(name, n) {
			return i
		}
	}
	return -1
}

var rawURL = base64.RawURLEncoding.Strict()

// ParseToken checks every structural property of a k8s-aws-v1 token for
// cluster clusterName at time now, in the order aws-iam-authenticator
// checks them: length, prefix, base64url without padding, URL syntax,
// https, host allowed by allowedHosts (called with the lower-cased host,
// port included), path "/", query keys case-insensitively unique and
// allow-listed, Action=GetCallerIdentity, X-Amz-SignedHeaders naming
// x-k8s-aws-id, X-Amz-Expires 0..900, X-Amz-Date within Window (and not
// more than MaxClockSkew ahead), X-Amz-Credential well-formed and
// consistent with the date and (for AWS hosts) the region. It does not
// verify the signature. Every rejection is a *TokenError.
func ParseToken(token, clusterName string, allowedHosts func(host string) bool, now time.Time) (*PresignedRequest, error) {
	if len(token) > MaxTokenLength {
		return nil, reject(ReasonTooLong, "token is longer than %d bytes", MaxTokenLength)
	}
	b64, ok := strings.CutPrefix(token, Prefix)
	if !ok {
		return nil, reject(ReasonPrefix, "token is missing the %q prefix", Prefix)
	}
	// The standard decoder skips \r and \n; a token never contains them.
	if strings.ContainsAny(b64, "\r\n") {
		return nil, reject(ReasonBase64, "token is not base64url without padding")
	}
	raw, err := rawURL.DecodeString(b64)
	if err != nil {
		return nil, reject(ReasonBase64, "token is not base64url without padding")
	}
	s := string(raw)
	u, err := url.Parse(s)
	if err != nil {
		return nil, reject(ReasonURL, "token does not hold a valid URL")
	}
	if u.Scheme != "https" {
		return nil, reject(ReasonScheme, "presigned URL scheme is %q, not https", truncate(u.Scheme))
	}
	if u.Opaque != "" || u.User != nil || u.Fragment != "" || u.RawFragment != "" || u.ForceQuery {
		return nil, reject(ReasonURL, "presigned URL has user info, a fragment or an opaque part")
	}
	host := strings.ToLower(u.Host)
	if host == "" || allowedHosts == nil || !allowedHosts(host) {
		return nil, reject(ReasonHost, "presigned URL host %q is not an STS endpoint this server accepts", truncate(host))
	}
	if u.Path != "/" || u.RawPath != "" {
		return nil, reject(ReasonPath, "presigned URL path must be /")
	}
	p := &PresignedRequest{Method: http.MethodGet, Host: u.Host, Path: "/", RawQuery: u.RawQuery, Cluster: clusterName, Time: now}
	q, err := parseQuery(u.RawQuery)
	if err != nil {
		return nil, err
	}
	if q.val[qAction] != "GetCallerIdentity" {
		return nil, reject(ReasonAction, "presigned URL action must be GetCallerIdentity")
	}
	if q.has[qVersion] && q.val[qVersion] != stsVersion {
		return nil, reject(ReasonAction, "presigned URL version must be %s", stsVersion)
	}
	if q.val[qAlgorithm] != "AWS4-HMAC-SHA256" {
		return nil, reject(ReasonAlgorithm, "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
	}
	if err := p.parseSignedHeaders(q.val[qSignedHeaders]); err != nil {
		return nil, err
	}
	ex := q.val[qExpires]
	n, err := strconv.Atoi(ex)
	if err != nil || !allDigits(ex) || n < 0 || n > MaxExpires {
		return nil, reject(ReasonExpires, "X-Amz-Expires must be an integer from 0 to %d", MaxExpires)
	}
	p.Expires = time.Duration(n) * time.Second
	ds := q.val[qDate]
	if ds == "" {
		return nil, reject(ReasonDate, "X-Amz-Date must be present")
	}
	p.Date, err = time.Parse(amzDateFormat, ds)
	if err != nil {
		return nil, reject(ReasonDate, "X-Amz-Date is not in the form YYYYMMDDTHHMMSSZ")
	}
	if now.After(p.Date.Add(Window)) {
		return nil, reject(ReasonExpired, "token expired: X-Amz-Date %s is more than %d minutes ago", ds, int(Window.Minutes()))
	}
	if p.Date.After(now.Add(MaxClockSkew)) {
		return nil, reject(ReasonNotYetValid, "X-Amz-Date %s is more than %d minutes in the future", ds, int(MaxClockSkew.Minutes()))
	}
	if err := p.parseCredential(q.val[qCredential], ds); err != nil {
		return nil, err
	}
	p.SecurityToken = q.val[qSecurityToken]
	if q.has[qSecurityToken] && p.SecurityToken == "" {
		return nil, reject(ReasonCredential, "X-Amz-Security-Token is empty")
	}
	p.Signature = q.val[qSignature]
	if !isLowerHex(p.Signature, 64) {
		return nil, reject(ReasonSignature, "X-Amz-Signature must be 64 lowercase hex digits")
	}
	p.Header = http.Header{http.CanonicalHeaderKey(ClusterIDHeader): {clusterName}}
	return p, nil
}

// parseQuery decodes the raw query strictly: "&"-separated key=value
// pairs, each key allow-listed and present once (case-insensitively).
func parseQuery(raw string) (*query, error) {
	q := &query{}
	if raw == "" {
		return q, nil
	}
	if strings.IndexByte(raw, ';') >= 0 {
		return nil, reject(ReasonQuery, "presigned URL query contains a raw semicolon")
	}
	for pair := range strings.SplitSeq(raw, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k == "" {
			return nil, reject(ReasonQuery, "malformed query parameter in presigned URL")
		}
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, reject(ReasonQuery, "malformed query parameter in presigned URL")
		}
		i := queryIndex(key)
		if i < 0 {
			return nil, reject(ReasonQuery, "query parameter %q is not allowed in a presigned URL", truncate(key))
		}
		if q.has[i] {
			return nil, reject(ReasonQuery, "query parameter %q appears more than once", key)
		}
		q.val[i], q.has[i] = val, true
	}
	return q, nil
}

// parseSignedHeaders requires a sorted, duplicate-free, lower-case list
// of exactly the headers a verifier can reproduce: host and x-k8s-aws-id.
func (p *PresignedRequest) parseSignedHeaders(s string) error {
	if s == "" {
		return reject(ReasonSignedHeaders, "X-Amz-SignedHeaders is missing")
	}
	hs := strings.Split(s, ";")
	hasID, hasHost := false, false
	for i, h := range hs {
		switch {
		case h == ClusterIDHeader:
			hasID = true
		case h == "host":
			hasHost = true
		default:
			return reject(ReasonSignedHeaders, "X-Amz-SignedHeaders may name only host and %s", ClusterIDHeader)
		}
		if i > 0 && hs[i-1] >= h {
			return reject(ReasonSignedHeaders, "X-Amz-SignedHeaders must be sorted and unique")
		}
	}
	if !hasID {
		return reject(ReasonSignedHeaders, "the client did not sign the %s header", ClusterIDHeader)
	}
	if !hasHost {
		return reject(ReasonSignedHeaders, "the client did not sign the host header")
	}
	p.SignedHeaders = hs
	return nil
}

// parseCredential splits AKID/YYYYMMDD/REGION/sts/aws4_request and checks
// it against the date and, for AWS endpoints, the host's region.
func (p *PresignedRequest) parseCredential(s, date string) error {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return reject(ReasonCredential, "X-Amz-Credential must be ACCESS_KEY_ID/DATE/REGION/sts/aws4_request")
	}
	p.AccessKeyID, p.CredentialDate, p.Region, p.Service = parts[0], parts[1], parts[2], parts[3]
	if !validAccessKeyID(p.AccessKeyID) {
		return reject(ReasonCredential, "X-Amz-Credential has a malformed access key ID")
	}
	if p.CredentialDate != date[:8] {
		return reject(ReasonCredential, "X-Amz-Credential date %s differs from X-Amz-Date", truncate(p.CredentialDate))
	}
	if p.Service != "sts" {
		return reject(ReasonCredential, "X-Amz-Credential service must be sts, not %q", truncate(p.Service))
	}
	if !validRegion(p.Region) {
		return reject(ReasonCredential, "X-Amz-Credential has a malformed region")
	}
	if want, ok := awsHostRegion(strings.ToLower(p.Host)); ok && want != p.Region {
		return reject(ReasonCredential, "X-Amz-Credential region %s does not match host %s (which signs for %s)", p.Region, p.Host, want)
	}
	return nil
}

// validAccessKeyID accepts 16 to 128 upper-case letters and digits.
func validAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// truncate shortens attacker-controlled text quoted in messages.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
