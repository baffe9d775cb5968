package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The canonical request, as the SDKs build it:
//
//	METHOD \n
//	canonical URI \n
//	canonical query \n
//	canonical headers (each "name:value\n") \n
//	signed header list \n
//	payload hash
//
// canonical URI: the path as sent (still percent-encoded; empty is "/"),
// with "." and ".." segments and empty segments removed (botocore's
// normalisation, which AWS services apply), then percent-encoded again
// keeping only unreserved characters and '/': non-S3 services sign the
// path "double-encoded". The Go SDK does not remove dot or empty segments,
// so when that makes a difference the verifier tries both.
//
// canonical query: every name=value pair of the raw query, each name and
// value decoded ('+' is a space, as the Go SDK decodes it) and re-encoded
// with RFC 3986 unreserved characters only, sorted by encoded name then
// encoded value; X-Amz-Signature is left out in the presigned form.
//
// canonical headers: the signed headers in the order listed, the value of
// each the request's values trimmed, runs of spaces and tabs collapsed to
// one space, and multiple values joined with ",". host is the Host header
// as sent (with its port).

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// isUnreserved reports RFC 3986 unreserved characters.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendEncoded appends s percent-encoded: unreserved characters (and '/'
// if keepSlash) as is, every other byte as %XX with upper-case hex.
func appendEncoded(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || keepSlash && c == '/' {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// queryUnescape decodes a query component: %XX and '+' as a space. An
// invalid escape is kept literally (it will then be encoded as %25..., as
// no SDK would have produced it).
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, hi<<4|lo)
					i += 2
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

type queryPair struct{ k, v string }

// appendCanonicalQuery appends the canonical query string of raw. If
// presigned, X-Amz-Signature is left out.
func appendCanonicalQuery(dst []byte, raw string, presigned bool) []byte {
	if raw == "" {
		return dst
	}
	var small [16]queryPair
	pairs := small[:0]
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" {
			continue
		}
		rk, rv, _ := strings.Cut(p, "=")
		k := queryUnescape(rk)
		if presigned && k == paramSignature {
			continue
		}
		pairs = append(pairs, queryPair{encodeComponent(k), encodeComponent(queryUnescape(rv))})
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.k...)
		dst = append(dst, '=')
		dst = append(dst, p.v...)
	}
	return dst
}

// encodeComponent returns s with every byte but the unreserved ones
// percent-encoded; it does not allocate when there is nothing to encode.
func encodeComponent(s string) string {
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) {
			return string(appendEncoded(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// rawPath returns the request path exactly as the client sent it, still
// percent-encoded: from RequestURI on the server side, from the URL on the
// client side.
func rawPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u != "*" {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		if i := strings.Index(u, "://"); i >= 0 && !strings.HasPrefix(u, "/") {
			// absolute-form (a request through a proxy)
			u = u[i+3:]
			if j := strings.IndexByte(u, '/'); j >= 0 {
				u = u[j:]
			} else {
				u = ""
			}
		}
		return u
	}
	if r.URL.Opaque != "" {
		return opaquePath(r.URL.Opaque)
	}
	return r.URL.EscapedPath()
}

func opaquePath(o string) string {
	o = strings.TrimPrefix(o, "//")
	if i := strings.IndexByte(o, '/'); i >= 0 {
		return o[i:]
	}
	return ""
}

// normalizePath removes "." and ".." and empty segments as botocore does
// (RFC 3986 5.2.4 plus collapsing "//"), keeping a leading and a trailing
// slash. "" becomes "/".
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && !strings.HasPrefix(p, ".") {
		return p
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// canonicalPaths returns the path forms to try: botocore's normalised one
// first and, if it differs, the Go SDK's unnormalised one.
func canonicalPaths(raw string) (string, string) {
	n := normalizePath(raw)
	if raw == "" {
		raw = "/"
	}
	if n == raw {
		return n, ""
	}
	return n, raw
}

// canonicalHeaderKeys maps the headers SDKs commonly sign to Go's
// canonical MIME key, to avoid an allocation per lookup.
var canonicalHeaderKeys = map[string]string{
	"content-type":          "Content-Type",
	"content-length":        "Content-Length",
	"content-encoding":      "Content-Encoding",
	"x-amz-date":            "X-Amz-Date",
	"x-amz-security-token":  "X-Amz-Security-Token",
	"x-amz-content-sha256":  "X-Amz-Content-Sha256",
	"x-amz-target":          "X-Amz-Target",
	"x-amz-user-agent":      "X-Amz-User-Agent",
	"x-k8s-aws-id":          "X-K8s-Aws-Id",
	"date":                  "Date",
	"accept":                "Accept",
	"accept-encoding":       "Accept-Encoding",
	"amz-sdk-invocation-id": "Amz-Sdk-Invocation-Id",
	"amz-sdk-request":       "Amz-Sdk-Request",
}

// headerValues returns the request's values of the header name (any case).
func headerValues(r *http.Request, name string) []string {
	key, ok := canonicalHeaderKeys[name]
	if !ok {
		key = textproto.CanonicalMIMEHeaderKey(name)
	}
	if vs, ok := r.Header[key]; ok {
		return vs
	}
	for k, vs := range r.Header { // keys set without canonicalisation
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	return nil
}

// appendHeaderValue appends v trimmed, with runs of spaces and tabs
// collapsed to one space.
func appendHeaderValue(dst []byte, v string) []byte {
	space := false
	started := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' {
			space = started
			continue
		}
		if space {
			dst = append(dst, ' ')
			space = false
		}
		started = true
		dst = append(dst, c)
	}
	return dst
}

// requestHost is the host the client signed: the Host header as sent.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// appendCanonicalHeaders appends "name:value\n" for each signed header.
func appendCanonicalHeaders(dst []byte, r *http.Request, signed []string) []byte {
	for _, name := range signed {
		lname := name
		if hasUpper(name) {
			lname = strings.ToLower(name)
		}
		dst = append(dst, name...)
		dst = append(dst, ':')
		if lname == "host" {
			dst = appendHeaderValue(dst, requestHost(r))
		} else if vs := headerValues(r, lname); len(vs) > 0 {
			for i, v := range vs {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendHeaderValue(dst, v)
			}
		} else if lname == "content-length" && r.ContentLength >= 0 {
			// net/http moves Content-Length out of the header map on the
			// client side.
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		}
		dst = append(dst, '\n')
	}
	return dst
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// appendCanonicalRequest appends the canonical request. path is the raw
// (still percent-encoded) path, query the raw query.
func appendCanonicalRequest(b []byte, r *http.Request, path, query string, presigned bool, signed []string, signedList, payloadHash string) []byte {
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = appendEncoded(b, path, true)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, query, presigned)
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, r, signed)
	b = append(b, '\n')
	b = append(b, signedList...)
	b = append(b, '\n')
	return append(b, payloadHash...)
}

// canonicalRequestHash returns the SHA-256 of the canonical request, built
// in a pooled buffer.
func canonicalRequestHash(r *http.Request, path, query string, presigned bool, signed []string, signedList, payloadHash string) [sha256.Size]byte {
	bp := getBuf()
	*bp = appendCanonicalRequest((*bp)[:0], r, path, query, presigned, signed, signedList, payloadHash)
	sum := sha256.Sum256(*bp)
	putBuf(bp)
	return sum
}

// appendStringToSign appends the string to sign for a canonical request
// hash.
func appendStringToSign(dst []byte, amzDate string, scope Scope, crHash [sha256.Size]byte) []byte {
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, scope.Date...)
	dst = append(dst, '/')
	dst = append(dst, scope.Region...)
	dst = append(dst, '/')
	dst = append(dst, scope.Service...)
	dst = append(dst, '/')
	dst = append(dst, scope.Terminator...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, crHash[:])
}

// canonicalRequest returns the canonical request as a string. For tests
// and debugging only: it may contain a session token.
func canonicalRequest(r *http.Request, path, query string, presigned bool, signed []string, signedList, payloadHash string) string {
	return string(appendCanonicalRequest(nil, r, path, query, presigned, signed, signedList, payloadHash))
}
