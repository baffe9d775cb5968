package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// Constants of the protocol.
const (
	// Algorithm is the only signing algorithm supported.
	Algorithm = "AWS4-HMAC-SHA256"
	// Terminator ends every credential scope.
	Terminator = "aws4_request"
	// TimeFormat is the ISO 8601 basic format of X-Amz-Date.
	TimeFormat = "20060102T150405Z"
	// DateFormat is the credential scope's date format.
	DateFormat = "20060102"
	// UnsignedPayload stands for the payload hash of presigned requests
	// (and of requests whose body is deliberately not signed).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// EmptyPayloadHash is hex(SHA-256("")).
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// MaxExpires is the largest X-Amz-Expires accepted: one week.
	MaxExpires = 7 * 24 * time.Hour
)

// Header and query parameter names.
const (
	headerAuthorization = "Authorization"
	headerAmzDate       = "X-Amz-Date"
	headerDate          = "Date"
	headerSecurityToken = "X-Amz-Security-Token"
	headerContentSHA256 = "X-Amz-Content-Sha256"

	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
)

// Form is where a request carries its signature.
type Form uint8

// The two forms.
const (
	// FormHeader: the Authorization header.
	FormHeader Form = iota + 1
	// FormPresigned: X-Amz-* query parameters (a presigned URL).
	FormPresigned
)

func (f Form) String() string {
	switch f {
	case FormHeader:
		return "header"
	case FormPresigned:
		return "presigned"
	}
	return "unknown"
}

// Scope is a credential scope: DATE/REGION/SERVICE/aws4_request.
type Scope struct {
	Date       string // YYYYMMDD
	Region     string
	Service    string
	Terminator string // "aws4_request" when valid
}

// String returns the scope as it appears in the string to sign.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + s.Terminator
}

// Auth is the parsed SigV4 authentication of a request. It holds the
// signature and the session token: print it only with String (which
// omits them) or LogValue.
type Auth struct {
	// Form says where the signature was found.
	Form Form
	// AccessKeyID is the key ID of the credential (may be empty or
	// malformed; looking it up is the caller's job).
	AccessKeyID string
	// Scope is the credential scope.
	Scope Scope
	// SignedHeaders are the signed header names as listed (lowercase in
	// every SDK).
	SignedHeaders []string
	// Signature is the signature as sent (64 lowercase hex digits when
	// well formed). Secret-equivalent for replay: never log it.
	Signature string
	// Time is the request time: X-Amz-Date (header or query), or the Date
	// header.
	Time time.Time
	// Expires is X-Amz-Expires for presigned requests (zero if absent or
	// in header form); HasExpires says whether it was present.
	Expires    time.Duration
	HasExpires bool
	// SecurityToken is the session token of temporary credentials
	// (X-Amz-Security-Token, query or header), or "". Never log it.
	SecurityToken string

	signedHeaders string // the list exactly as sent
	amzDate       string // Time in TimeFormat, as in the string to sign
	contentSHA256 string // X-Amz-Content-Sha256 header, if any
}

// String describes a without its signature or security token.
func (a *Auth) String() string {
	if a == nil {
		return "<nil sigv4.Auth>"
	}
	tok := "no"
	if a.SecurityToken != "" {
		tok = "yes"
	}
	return "sigv4.Auth{Form:" + a.Form.String() + " AccessKeyID:" + a.AccessKeyID + " Scope:" + a.Scope.String() +
		" SignedHeaders:" + a.signedHeaders + " Time:" + a.amzDate + " SecurityToken:" + tok + "}"
}

// GoString is String, so that %#v cannot print the signature or token.
func (a *Auth) GoString() string { return a.String() }

// Parse extracts SigV4 authentication from r, from the Authorization
// header or from presigned query parameters, and checks its syntax. It
// returns MissingAuthenticationToken when r carries neither, and
// IncompleteSignature for a malformed one. It does not check the scope,
// the time or the signature (see Verifier.Check and Verifier.Verify).
func Parse(r *http.Request) (*Auth, error) {
	authz := r.Header.Values(headerAuthorization)
	hasHeader := len(authz) > 0 && strings.TrimSpace(authz[0]) != ""
	var q queryAuth
	if err := q.scan(r.URL.RawQuery); err != nil {
		return nil, err
	}
	switch {
	case hasHeader && q.present:
		// Ours (AWS's wording for this case is not known).
		return nil, incomplete("Only one authentication method is allowed: found both the Authorization header and X-Amz-* query-string parameters.")
	case hasHeader:
		if len(authz) > 1 {
			return nil, incomplete("Only one Authorization header is allowed.") // ours
		}
		return parseHeader(r, authz[0])
	case q.present:
		return parsePresigned(r, &q)
	}
	return nil, apierror.MissingAuthenticationToken()
}

func incomplete(msg string) *apierror.Error { return apierror.IncompleteSignature(msg) }

func parseHeader(r *http.Request, h string) (*Auth, error) {
	h = strings.TrimLeft(h, " ")
	alg, rest, _ := strings.Cut(h, " ")
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			// AWS's message; it hashes the header so as not to echo it.
			sum := sha256.Sum256([]byte(h))
			return nil, incomplete("Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + base64.StdEncoding.EncodeToString(sum[:]) + "'.")
		}
		var dup bool
		switch strings.TrimSpace(k) {
		case "Credential":
			dup, haveCred, cred = haveCred, true, v
		case "SignedHeaders":
			dup, haveSigned, signed = haveSigned, true, v
		case "Signature":
			dup, haveSig, sig = haveSig, true, v
		}
		if dup {
			return nil, incomplete("Authorization header has a repeated '" + quote(strings.TrimSpace(k)) + "' parameter.") // ours
		}
	}
	amzDate := r.Header.Get(headerAmzDate)
	dateName := "x-amz-date"
	if amzDate == "" {
		amzDate, dateName = r.Header.Get(headerDate), "date"
	}
	// AWS's messages, in AWS's order. AWS then appends
	// " Authorization=<header>"; trustbridge does not echo the header.
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if amzDate == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " "))
	}
	if alg != Algorithm {
		return nil, unsupportedAlgorithm(alg)
	}
	a := &Auth{Form: FormHeader, Signature: sig, signedHeaders: signed}
	if err := a.setCredential(cred); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	if !a.signs(dateName) {
		return nil, incomplete("'X-Amz-Date' or 'Date' must be a 'SignedHeader' in the AWS Authorization.") // ours, after AWS's host message
	}
	if err := a.setTime(amzDate, dateName == "date"); err != nil {
		return nil, err
	}
	a.SecurityToken = r.Header.Get(headerSecurityToken)
	a.contentSHA256 = r.Header.Get(headerContentSHA256)
	return a, nil
}

func unsupportedAlgorithm(alg string) error {
	// Ours: AWS's wording for an unsupported algorithm is not known.
	return incomplete("Unsupported AWS 'algorithm': '" + quote(alg) + "'. Only '" + Algorithm + "' is supported.")
}

// queryAuth holds the X-Amz-* authentication parameters of a query.
type queryAuth struct {
	present                                      bool
	alg, cred, date, expires, signed, sig, token string
	hasAlg, hasCred, hasDate, hasExpires         bool
	hasSigned, hasSig, hasToken                  bool
}

// scan records the authentication parameters of a raw query. The
// presigned form is recognised by X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-SignedHeaders or X-Amz-Signature; a repeated parameter is an error
// because the signer and the verifier could read different copies.
func (q *queryAuth) scan(raw string) error {
	if !strings.Contains(raw, "X-Amz-") && !strings.Contains(raw, "%") {
		return nil
	}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		rk, rv, _ := strings.Cut(pair, "=")
		k := queryUnescape(rk)
		if !strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		var dst *string
		var seen *bool
		switch k {
		case paramAlgorithm:
			dst, seen = &q.alg, &q.hasAlg
		case paramCredential:
			dst, seen = &q.cred, &q.hasCred
		case paramDate:
			dst, seen = &q.date, &q.hasDate
		case paramExpires:
			dst, seen = &q.expires, &q.hasExpires
		case paramSignedHeaders:
			dst, seen = &q.signed, &q.hasSigned
		case paramSignature:
			dst, seen = &q.sig, &q.hasSig
		case paramSecurityToken:
			dst, seen = &q.token, &q.hasToken
		default:
			continue
		}
		if *seen {
			return incomplete("Query-string parameter '" + k + "' appears more than once.") // ours
		}
		*seen, *dst = true, queryUnescape(rv)
	}
	q.present = q.hasAlg || q.hasCred || q.hasSigned || q.hasSig
	return nil
}

func parsePresigned(r *http.Request, q *queryAuth) (*Auth, error) {
	// AWS's message, in this order.
	var missing []string
	for _, p := range []struct {
		name string
		ok   bool
	}{{paramAlgorithm, q.hasAlg}, {paramCredential, q.hasCred}, {paramSignature, q.hasSig}, {paramSignedHeaders, q.hasSigned}, {paramDate, q.hasDate}} {
		if !p.ok {
			missing = append(missing, "AWS query-string parameters must include '"+p.name+"'.")
		}
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " ") + " Re-examine the query-string parameters.")
	}
	if q.alg != Algorithm {
		return nil, unsupportedAlgorithm(q.alg)
	}
	a := &Auth{Form: FormPresigned, Signature: q.sig, signedHeaders: q.signed}
	if err := a.setCredential(q.cred); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(q.signed); err != nil {
		return nil, err
	}
	if err := a.setTime(q.date, false); err != nil {
		return nil, err
	}
	if q.hasExpires {
		// Wording after S3's; AWS's other services are not known to
		// validate X-Amz-Expires at all.
		digits, neg := strings.CutPrefix(q.expires, "-")
		if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return nil, incomplete("X-Amz-Expires should be a number")
		}
		if neg {
			return nil, incomplete("X-Amz-Expires must be non-negative")
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n > int64(MaxExpires/time.Second) {
			return nil, incomplete("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
		}
		a.Expires, a.HasExpires = time.Duration(n)*time.Second, true
	}
	a.SecurityToken = q.token
	if h := r.Header.Get(headerSecurityToken); h != "" && q.hasToken && h != q.token {
		return nil, incomplete("The X-Amz-Security-Token header and query-string parameter differ.") // ours
	} else if !q.hasToken {
		a.SecurityToken = h
	}
	a.contentSHA256 = r.Header.Get(headerContentSHA256)
	return a, nil
}

// setCredential parses AKID/DATE/REGION/SERVICE/TERMINATOR.
func (a *Auth) setCredential(c string) error {
	var parts [5]string
	rest := c
	n := 0
	for ; n < len(parts); n++ {
		var ok bool
		parts[n], rest, ok = strings.Cut(rest, "/")
		if !ok {
			n++
			break
		}
	}
	if n != 5 || strings.Contains(parts[4], "/") {
		// AWS's message.
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + quote(c) + "'")
	}
	a.AccessKeyID = parts[0]
	a.Scope = Scope{Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}
	return nil
}

func (a *Auth) setSignedHeaders(s string) error {
	a.SignedHeaders = strings.Split(s, ";")
	for _, h := range a.SignedHeaders {
		if h == "" {
			return incomplete("SignedHeaders has an empty header name.") // ours
		}
	}
	if !a.signs("host") {
		// AWS's message.
		return incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// signs reports whether name (lowercase) is a signed header.
func (a *Auth) signs(name string) bool {
	for _, h := range a.SignedHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// setTime parses the request time: ISO 8601 basic, or (Date header only)
// an HTTP date or RFC 1123 date with a numeric zone, which botocore sends
// when a request already has a Date header.
func (a *Auth) setTime(v string, httpDate bool) error {
	if t, ok := parseAmzDate(v); ok {
		a.Time, a.amzDate = t, v
		return nil
	}
	var t time.Time
	err := errors.New("not an HTTP date")
	if httpDate {
		t, err = http.ParseTime(v)
		if err != nil {
			// botocore's email.utils.formatdate: "Sun, 22 Nov 2026 21:23:34 -0000"
			t, err = time.Parse(time.RFC1123Z, v)
		}
	}
	if err != nil {
		// AWS's message.
		return incomplete("Date must be in ISO-8601 'basic format'. Got '" + quote(v) + "'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	a.Time = t.UTC()
	a.amzDate = a.Time.Format(TimeFormat)
	return nil
}

// parseAmzDate parses exactly YYYYMMDD'T'HHMMSS'Z' (no leap seconds).
func parseAmzDate(v string) (time.Time, bool) {
	if len(v) != len(TimeFormat) || v[8] != 'T' || v[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(v[0:4])
	mo, ok2 := num(v[4:6])
	d, ok3 := num(v[6:8])
	h, ok4 := num(v[9:11])
	mi, ok5 := num(v[11:13])
	s, ok6 := num(v[13:15])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d { // 31 April, 30 February
		return time.Time{}, false
	}
	return t, true
}

// quote makes a request value safe to echo in an error message: at most
// 64 bytes, printable ASCII only.
func quote(s string) string {
	const max = 64
	trunc := len(s) > max
	if trunc {
		s = s[:max]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f {
			b[i] = '?'
		}
	}
	if trunc {
		return string(b) + "..."
	}
	return string(b)
}
