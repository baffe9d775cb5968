package oidc

import (
	"context"
	"crypto/sha1" //nolint:gosec // AWS defines OIDC thumbprints as SHA-1 certificate fingerprints; used for pinning lookup only
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// fetchKind classifies a failed fetch into the STS error it becomes.
type fetchKind int

const (
	// fetchUnreachable: network failure, timeout, oversized body, 5xx, or
	// a TLS failure other than an untrusted chain → IDPCommunicationError.
	fetchUnreachable fetchKind = iota
	// fetchBadResponse: the issuer answered, but not with something
	// usable (4xx, refused redirect, bad JSON, no keys) →
	// InvalidIdentityToken "Couldn't retrieve verification key ...".
	fetchBadResponse
	// fetchUntrusted: the certificate chain verifies against no root and
	// matches no thumbprint → InvalidIdentityToken "... doesn't match
	// configured thumbprint".
	fetchUntrusted
)

// A fetchError is a failed discovery or JWKS fetch. detail is safe to put in
// an Explanation and a log: it holds URLs of the issuer (public
// configuration) and reasons, never a token.
type fetchError struct {
	kind   fetchKind
	detail string
}

func (e *fetchError) Error() string { return e.detail }

// apiError converts a fetch failure into the error STS returns.
func (e *fetchError) apiError() error {
	switch e.kind {
	case fetchBadResponse:
		return invalidToken(msgNoKey, e.detail)
	case fetchUntrusted:
		return invalidToken(msgThumbprint, e.detail)
	default:
		return idpCommunication(e.detail)
	}
}

// trustError is returned from the TLS handshake's certificate check.
type trustError struct {
	untrusted bool // no trust anchor: neither roots nor a thumbprint
	detail    string
}

func (e *trustError) Error() string { return e.detail }

// redirectError is returned by the client's redirect policy.
type redirectError struct{ detail string }

func (e *redirectError) Error() string { return e.detail }

// maxRedirects bounds same-host redirects followed during a fetch.
const maxRedirects = 3

// A trustConfig decides whether an issuer's TLS certificate chain is
// acceptable. It is immutable.
type trustConfig struct {
	// roots are the system roots (or Options.RootCAs) plus the provider's
	// CA bundle.
	roots *x509.CertPool
	// thumbprints are lowercase 40-hex SHA-1 fingerprints.
	thumbprints []string
}

// verify implements the trust decision for a connection to host:
//
//  1. If the chain verifies against the roots (system roots or
//     Options.RootCAs, plus the provider's CA bundle) for host, accept. This
//     is AWS's current behaviour for issuers with a publicly trusted chain:
//     thumbprints are not consulted.
//  2. Otherwise, if the SHA-1 fingerprint of the top certificate the server
//     presented (the last one: the top intermediate, or the root if the
//     server sends it, or a self-signed leaf) equals a configured
//     thumbprint, accept if the chain verifies with that certificate as
//     the only trust anchor and the leaf is valid for host. Pinning thus
//     replaces the trust anchor only; signatures, validity dates, key usage
//     and the host name are still checked.
//  3. Otherwise refuse.
func (t *trustConfig) verify(host string, certs []*x509.Certificate) error {
	if len(certs) == 0 {
		return &trustError{detail: "issuer presented no certificate"}
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, rootErr := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: t.roots, Intermediates: inter})
	if rootErr == nil {
		return nil
	}
	if !isUnknownAuthority(rootErr) {
		return &trustError{detail: fmt.Sprintf("certificate of %s is not acceptable: %v", host, rootErr)}
	}
	if len(t.thumbprints) == 0 {
		return &trustError{untrusted: true, detail: fmt.Sprintf("certificate of %s is not signed by a trusted root or the provider's CA bundle, and the provider has no thumbprints", host)}
	}
	top := certs[len(certs)-1]
	sum := sha1.Sum(top.Raw) //nolint:gosec // AWS thumbprint definition
	got := hex.EncodeToString(sum[:])
	for _, want := range t.thumbprints {
		if got == want {
			anchor := x509.NewCertPool()
			anchor.AddCert(top)
			if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: anchor, Intermediates: inter}); err != nil {
				return &trustError{detail: fmt.Sprintf("certificate of %s matches a thumbprint but is not acceptable: %v", host, err)}
			}
			return nil
		}
	}
	return &trustError{untrusted: true, detail: fmt.Sprintf("certificate of %s is not signed by a trusted root, and its top certificate's SHA-1 %s matches none of the provider's thumbprints", host, got)}
}

func isUnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	return errors.As(err, &ua)
}

// newHTTPClient returns the client that fetches one issuer's documents. It
// verifies TLS itself (trustConfig.verify) in a custom dialer, so it does
// not use HTTPS_PROXY: issuers are fetched directly.
func newHTTPClient(o *Options, trust *trustConfig) *http.Client {
	dial := o.DialContext
	if dial == nil {
		d := &net.Dialer{Timeout: o.FetchTimeout, KeepAlive: 30 * time.Second}
		dial = d.DialContext
	}
	tr := &http.Transport{
		Proxy: nil,
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			raw, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cfg := &tls.Config{
				ServerName: host,
				MinVersion: tls.VersionTLS12,
				// Verification is done below by trust.verify, which
				// adds thumbprint pinning to ordinary chain checks;
				// crypto/tls's own check cannot express it.
				InsecureSkipVerify: true, //nolint:gosec // replaced by VerifyConnection
				VerifyConnection: func(cs tls.ConnectionState) error {
					return trust.verify(host, cs.PeerCertificates)
				},
			}
			conn := tls.Client(raw, cfg)
			if err := conn.HandshakeContext(ctx); err != nil {
				_ = raw.Close()
				return nil, err
			}
			return conn, nil
		},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, errors.New("plain http is not used for OIDC issuers")
		},
		ForceAttemptHTTP2:      false,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		ResponseHeaderTimeout:  o.FetchTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			// Redirects are followed only within the same scheme and
			// host:port as the original request, a few times. A
			// cross-host redirect would let whoever controls the
			// issuer's path send us to arbitrary hosts (including
			// internal ones) and is never needed by real issuers.
			if len(via) >= maxRedirects {
				return &redirectError{detail: fmt.Sprintf("more than %d redirects from %s", maxRedirects, via[0].URL.Redacted())}
			}
			if req.URL.Scheme != "https" || !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
				return &redirectError{detail: fmt.Sprintf("refused redirect from %s to another host or scheme (%s)", via[0].URL.Redacted(), req.URL.Redacted())}
			}
			return nil
		},
	}
}

// get fetches url with a body limit of max bytes and classifies failures.
func get(ctx context.Context, c *http.Client, rawURL string, max int64, what string) ([]byte, *fetchError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, &fetchError{kind: fetchBadResponse, detail: fmt.Sprintf("%s URL %s is invalid", what, quote(rawURL, 200))}
	}
	// kube-apiserver serves its JWKS only to clients that accept
	// application/jwk-set+json (anything else gets 406); other issuers
	// answer JSON whatever the header says.
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	req.Header.Set("User-Agent", "trustbridge-oidc")
	resp, err := c.Do(req)
	if err != nil {
		return nil, classifyTransportError(err, what, rawURL)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, &fetchError{kind: fetchUnreachable, detail: fmt.Sprintf("%s %s answered HTTP %d", what, rawURL, resp.StatusCode)}
	default:
		return nil, &fetchError{kind: fetchBadResponse, detail: fmt.Sprintf("%s %s answered HTTP %d", what, rawURL, resp.StatusCode)}
	}
	if resp.ContentLength > max {
		return nil, &fetchError{kind: fetchUnreachable, detail: fmt.Sprintf("%s %s is %d bytes; the limit is %d", what, rawURL, resp.ContentLength, max)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if int64(len(b)) > max {
		return nil, &fetchError{kind: fetchUnreachable, detail: fmt.Sprintf("%s %s is larger than the limit of %d bytes", what, rawURL, max)}
	}
	if err == nil {
		// A body cut short by the deadline can look complete when the
		// server ends the response as the connection is torn down.
		err = ctx.Err()
	}
	if err != nil {
		return nil, classifyTransportError(err, what, rawURL)
	}
	return b, nil
}

func classifyTransportError(err error, what, rawURL string) *fetchError {
	var te *trustError
	if errors.As(err, &te) {
		if te.untrusted {
			return &fetchError{kind: fetchUntrusted, detail: te.detail}
		}
		return &fetchError{kind: fetchUnreachable, detail: te.detail}
	}
	var re *redirectError
	if errors.As(err, &re) {
		return &fetchError{kind: fetchBadResponse, detail: re.detail}
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return &fetchError{kind: fetchUnreachable, detail: fmt.Sprintf("%s %s timed out", what, rawURL)}
	}
	if errors.Is(err, context.Canceled) {
		return &fetchError{kind: fetchUnreachable, detail: fmt.Sprintf("%s %s was canceled", what, rawURL)}
	}
	// Strip the url.Error wrapper: its text repeats the URL and method.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &fetchError{kind: fetchUnreachable, detail: fmt.Sprintf("%s %s failed: %v", what, rawURL, err)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
