package sigv4

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Credentials are what a client signs with.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is sent as X-Amz-Security-Token for temporary
	// credentials; empty for long-term ones.
	SessionToken string
}

// unsignedHeaders are never signed: hop-by-hop headers, headers the
// transport or proxies rewrite, and the signature itself. (Content-Length
// is left out because net/http sets it from Request.ContentLength.)
var unsignedHeaders = map[string]bool{
	"authorization": true, "user-agent": true, "x-amzn-trace-id": true, "expect": true,
	"transfer-encoding": true, "connection": true, "keep-alive": true, "proxy-authenticate": true,
	"proxy-authorization": true, "te": true, "trailer": true, "upgrade": true, "content-length": true,
}

func checkSigningArgs(c Credentials, region, service string) error {
	switch {
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("sigv4: credentials need an access key ID and a secret access key")
	case region == "" || strings.Contains(region, "/"):
		return errors.New("sigv4: invalid region")
	case service == "" || strings.Contains(service, "/"):
		return errors.New("sigv4: invalid service")
	}
	return nil
}

// signingHost returns the Host to sign and send: the request's Host or
// URL host without the scheme's default port, as the SDKs do.
func signingHost(r *http.Request) string {
	h := r.Host
	if h == "" {
		h = r.URL.Host
	}
	host, port, err := net.SplitHostPort(h)
	if err == nil && (port == "443" && r.URL.Scheme == "https" || port == "80" && r.URL.Scheme == "http") {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return h
}

// headersToSign returns host plus every header of h that may be signed,
// lowercase, sorted and without duplicates.
func headersToSign(h http.Header, skip ...string) []string {
	names := []string{"host"}
	for k := range h {
		lk := strings.ToLower(k)
		if unsignedHeaders[lk] || lk == "host" || slices.Contains(skip, lk) {
			continue
		}
		names = append(names, lk)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// mergedHeader returns h with keys in canonical form, values of keys that
// differ only in case merged (in map order of the original keys sorted).
func mergedHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ck := http.CanonicalHeaderKey(k)
		out[ck] = append(out[ck], h[k]...)
	}
	return out
}

// Sign signs r in the header form at now, as the AWS SDKs do: it sets
// Host (without a default port), X-Amz-Date, X-Amz-Security-Token (for
// temporary credentials) and Authorization, signing host and every header
// already on r except hop-by-hop ones, User-Agent and Content-Length.
// payloadHash is the lowercase hex SHA-256 of the body that will be sent
// ("" for an empty body; see PayloadHash). Call Sign last, after every
// header is set.
func Sign(r *http.Request, payloadHash string, c Credentials, region, service string, now time.Time) error {
	if err := checkSigningArgs(c, region, service); err != nil {
		return err
	}
	if payloadHash == "" {
		payloadHash = EmptyPayloadHash
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Host = signingHost(r)
	r.Header.Del(headerAuthorization)
	amzDate := now.UTC().Format(TimeFormat)
	r.Header.Set(headerAmzDate, amzDate)
	if c.SessionToken != "" {
		r.Header.Set(headerSecurityToken, c.SessionToken)
	} else {
		r.Header.Del(headerSecurityToken)
	}
	r.Header = mergedHeader(r.Header)
	signed := headersToSign(r.Header)
	list := strings.Join(signed, ";")
	scope := Scope{Date: amzDate[:8], Region: region, Service: service, Terminator: Terminator}
	sig := signature(r, normalizePath(r.URL.EscapedPath()), r.URL.RawQuery, false, signed, list, payloadHash, c.SecretAccessKey, amzDate, scope)
	r.Header.Set(headerAuthorization, Algorithm+" Credential="+c.AccessKeyID+"/"+scope.String()+", SignedHeaders="+list+", Signature="+sig)
	return nil
}

// Presign returns a presigned URL for r valid for expires (1 second to 7
// days, whole seconds) from now, as the AWS SDKs presign for non-S3
// services: the X-Amz-* parameters (X-Amz-Security-Token included for
// temporary credentials) are added to r's query and signed with the
// payload hash of an empty body. Host and every header on r (except
// hop-by-hop ones, User-Agent and Content-Length) are signed: the caller
// must send the returned headers with the URL — for an EKS token, the
// verifier re-creates x-k8s-aws-id itself. r is not modified.
func Presign(r *http.Request, c Credentials, region, service string, expires time.Duration, now time.Time) (string, http.Header, error) {
	if err := checkSigningArgs(c, region, service); err != nil {
		return "", nil, err
	}
	if expires < time.Second || expires > MaxExpires || expires%time.Second != 0 {
		return "", nil, fmt.Errorf("sigv4: presign expiry %s must be whole seconds from 1s to 7 days", expires)
	}
	host := signingHost(r)
	hdr := mergedHeader(r.Header)
	signed := headersToSign(hdr, "x-amz-date", "x-amz-security-token")
	list := strings.Join(signed, ";")
	amzDate := now.UTC().Format(TimeFormat)
	scope := Scope{Date: amzDate[:8], Region: region, Service: service, Terminator: Terminator}

	q := r.URL.RawQuery
	add := func(k, v string) {
		if q != "" {
			q += "&"
		}
		q += k + "=" + encodeComponent(v)
	}
	add(paramAlgorithm, Algorithm)
	add(paramCredential, c.AccessKeyID+"/"+scope.String())
	add(paramDate, amzDate)
	add(paramExpires, strconv.Itoa(int(expires/time.Second)))
	add(paramSignedHeaders, list)
	if c.SessionToken != "" {
		add(paramSecurityToken, c.SessionToken)
	}

	req := &http.Request{Method: r.Method, URL: r.URL, Host: host, Header: hdr, ContentLength: r.ContentLength}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	sig := signature(req, normalizePath(r.URL.EscapedPath()), q, true, signed, list, EmptyPayloadHash, c.SecretAccessKey, amzDate, scope)
	u := *r.URL
	u.Host = host
	u.RawQuery = q + "&" + paramSignature + "=" + sig
	out := make(http.Header)
	for _, name := range signed {
		if name != "host" {
			out[http.CanonicalHeaderKey(name)] = hdr.Values(name)
		}
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}).String(), out, nil
}

// signature computes the hex signature of a request.
func signature(r *http.Request, path, query string, presigned bool, signed []string, list, payloadHash, secret, amzDate string, scope Scope) string {
	crHash := canonicalRequestHash(r, path, query, presigned, signed, list, payloadHash)
	key := SigningKey(secret, scope.Date, scope.Region, scope.Service)
	sts := appendStringToSign(nil, amzDate, scope, crHash)
	sum := hmacSHA256(key[:], sts)
	return fmt.Sprintf("%x", sum[:])
}
