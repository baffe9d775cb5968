package oidc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// A Provider is what the caller knows about the IAM OIDC provider a token
// claims to come from (IAM's OpenIDConnectProvider resource).
type Provider struct {
	// URL is the issuer without its scheme, as IAM stores it: host[/path].
	// The token's iss must be exactly "https://" + URL.
	URL string
	// ARN is the provider's ARN, for explanations only.
	ARN string
	// ClientIDs are the accepted audiences (IAM's ClientIDList).
	ClientIDs []string
	// Thumbprints are 40-hex SHA-1 fingerprints (IAM's ThumbprintList).
	//
	// AWS semantics, as trustbridge implements them: the issuer's
	// certificate chain is first verified against the system roots plus
	// CABundle; if it verifies, thumbprints are ignored (what AWS does
	// today for publicly trusted issuers). If it does not, the connection
	// is accepted only if the SHA-1 of the top certificate the server
	// presents (top intermediate, root, or self-signed leaf) equals one of
	// these, and the chain is otherwise valid for the host. This applies to
	// the discovery host and the jwks_uri host alike (AWS computes the
	// thumbprint on the jwks_uri host).
	Thumbprints []string
	// CABundle is optional PEM with extra trusted roots for a private
	// issuer (trustbridge's caFile). It adds to the system roots.
	CABundle []byte
}

// Options configure a Verifier. The zero value is valid: every zero field
// takes the documented default.
type Options struct {
	// Now returns the current time for claim checks, caches and the
	// refetch rate limit. If nil, time.Now is used. TLS certificate
	// validity is always checked against the real clock.
	Now func() time.Time
	// ClockSkew is the leeway for nbf and iat in the future. exp gets no
	// leeway: an expired token is expired. Default 1 minute.
	ClockSkew time.Duration
	// FetchTimeout bounds one refresh of an issuer (discovery and JWKS,
	// connect, TLS, headers and body together). Default 5 seconds.
	FetchTimeout time.Duration
	// MaxDiscoveryBytes and MaxJWKSBytes bound the documents fetched.
	// Defaults 64 KiB and 512 KiB.
	MaxDiscoveryBytes, MaxJWKSBytes int64
	// MaxKeys bounds the entries of a JWKS. Default 100.
	MaxKeys int
	// KeyTTL is how long fetched keys (and the discovery document) are
	// used before they are refreshed. Default 1 hour.
	KeyTTL time.Duration
	// MaxStale is how long past KeyTTL keys are still used while the
	// issuer cannot be reached, so an issuer outage does not stop every
	// pod at once. Default 24 hours.
	MaxStale time.Duration
	// MinRefetchInterval is the least time between two fetches of one
	// issuer's JWKS, whatever triggers them (an unknown kid, expiry, a
	// failure). It is what stops a flood of tokens with bogus kids from
	// hammering the issuer; it is also how long a failed fetch is
	// remembered. Default 10 seconds.
	MinRefetchInterval time.Duration
	// TokenCacheSize bounds the cache of verified tokens (by SHA-256, until
	// exp). An entry holds the decoded claims, about 2–5 KB for a
	// Kubernetes token. Default 4096 entries; negative disables the cache.
	TokenCacheSize int
	// RootCAs replaces the system root pool (tests use it to play a
	// publicly trusted issuer). If nil, the system roots are used.
	RootCAs *x509.CertPool
	// DialContext opens TCP connections to issuers (tests and the e2e bed
	// can route names with it). If nil, a net.Dialer is used.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Logger receives refresh failures and key rotations. If nil, nothing
	// is logged. Entries carry issuer URLs and reasons, never tokens.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClockSkew <= 0 {
		o.ClockSkew = time.Minute
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 5 * time.Second
	}
	if o.MaxDiscoveryBytes <= 0 {
		o.MaxDiscoveryBytes = 64 << 10
	}
	if o.MaxJWKSBytes <= 0 {
		o.MaxJWKSBytes = 512 << 10
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100
	}
	if o.KeyTTL <= 0 {
		o.KeyTTL = time.Hour
	}
	if o.MaxStale <= 0 {
		o.MaxStale = 24 * time.Hour
	}
	if o.MinRefetchInterval <= 0 {
		o.MinRefetchInterval = 10 * time.Second
	}
	if o.TokenCacheSize == 0 {
		o.TokenCacheSize = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// A Verifier verifies web identity tokens against IAM OIDC providers. It is
// safe for concurrent use; one per server. It holds, per issuer and trust
// configuration, the discovery result and parsed keys, and a bounded cache
// of verified tokens.
type Verifier struct {
	opts   Options
	tokens *tokenCache // nil if disabled

	mu sync.RWMutex
	// issuers maps a provider URL (the issuer without "https://") to its
	// states, one per distinct trust configuration (thumbprints, CA
	// bundle). Keys fetched under one provider's trust settings are never
	// used for another's: an account that pins a rogue certificate must
	// not poison another account's view of the same issuer. Guarded by mu.
	issuers map[string][]*issuerState

	stats struct {
		cacheHits, cacheMisses, fetches, fetchErrors atomic.Uint64
	}
}

// Stats are counters for metrics and tests.
type Stats struct {
	// TokenCacheHits and TokenCacheMisses count verifications answered
	// from, or not found in, the verified-token cache.
	TokenCacheHits, TokenCacheMisses uint64
	// Fetches counts JWKS refresh attempts; FetchErrors the failed ones.
	Fetches, FetchErrors uint64
}

// NewVerifier returns a Verifier with the given options.
func NewVerifier(opts Options) *Verifier {
	v := &Verifier{opts: opts.withDefaults(), issuers: make(map[string][]*issuerState)}
	if v.opts.TokenCacheSize > 0 {
		v.tokens = newTokenCache(v.opts.TokenCacheSize)
	}
	return v
}

// Stats returns a snapshot of the counters.
func (v *Verifier) Stats() Stats {
	return Stats{
		TokenCacheHits:   v.stats.cacheHits.Load(),
		TokenCacheMisses: v.stats.cacheMisses.Load(),
		Fetches:          v.stats.fetches.Load(),
		FetchErrors:      v.stats.fetchErrors.Load(),
	}
}

var thumbprintRE = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// Validate checks a Provider's shape: a URL without scheme, query or
// fragment, 40-hex thumbprints and a parseable CA bundle. Verify calls it;
// IAM handlers can call it when a provider is created.
func (p *Provider) Validate() error {
	if p == nil || p.URL == "" {
		return errors.New("oidc provider has no URL")
	}
	if strings.Contains(p.URL, "://") || strings.ContainsAny(p.URL, "?# \t\r\n") || strings.HasPrefix(p.URL, "/") {
		return fmt.Errorf("oidc provider URL %s must be host[/path] without scheme, query or fragment", quote(p.URL, 200))
	}
	for _, t := range p.Thumbprints {
		if !thumbprintRE.MatchString(t) {
			return fmt.Errorf("oidc provider thumbprint %s is not 40 hex characters", quote(t, 64))
		}
	}
	if len(p.CABundle) > 0 {
		if !x509.NewCertPool().AppendCertsFromPEM(p.CABundle) {
			return errors.New("oidc provider CA bundle holds no PEM certificate")
		}
	}
	return nil
}

// Verify verifies rawToken for provider p and returns its claims.
//
// Checks, in order: length (ValidationError over 20,000 characters); JWS
// compact form with alg RS256/384/512 or ES256/384/512 and no crit header
// (InvalidIdentityToken); iss equal to "https://"+p.URL; a key from the
// issuer's JWKS (discovery at iss/.well-known/openid-configuration, then
// jwks_uri; refetched once, rate-limited, when the kid is unknown) whose
// type and curve fit alg; the signature; exp in the future
// (ExpiredTokenException); nbf and iat not later than now plus ClockSkew;
// sub present; and an aud, or else azp, among p.ClientIDs ("Incorrect token
// audience"). Keys are only ever taken from the issuer's JWKS, never from
// the token (jwk, jku, x5u and x5c headers are ignored).
//
// Fetch failures become IDPCommunicationError (unreachable, timeout, too
// large, 5xx, TLS failure) or InvalidIdentityToken (bad documents, refused
// redirects, no key; an untrusted certificate that matches no thumbprint).
//
// Every error is an *apierror.Error whose Explanation says why, without the
// token, except that an invalid p yields a plain error (a caller bug,
// written as InternalFailure). A token verified once is cached by its
// SHA-256 until exp and later accepted without signature verification while
// its key is still in the issuer's current JWKS; the claim time and
// audience checks are repeated on every call.
func (v *Verifier) Verify(ctx context.Context, p *Provider, rawToken string) (*Claims, error) {
	return v.verify(ctx, rawToken, p, nil)
}

// A ProviderLookup finds the IAM OIDC provider for a token's unverified
// issuer (the iss claim, "https://host[/path]"), typically in the account
// of the role being assumed. It returns the caller's own error (for
// example InvalidIdentityToken "No OpenIDConnect provider found in your
// account for https://...") when there is none; VerifyWith returns that
// error unchanged.
type ProviderLookup func(issuer string) (*Provider, error)

// VerifyWith is PeekIssuer, lookup and Verify in one call, for handlers
// that find the provider by the token's issuer. The token is hashed and
// parsed at most once (a token in the verified-token cache is not parsed at
// all), which is what makes it cheaper than PeekIssuer then Verify. The
// result and errors are Verify's, plus lookup's own errors; a token that
// does not parse, or has an unaccepted alg or no iss, is rejected before
// lookup is called.
func (v *Verifier) VerifyWith(ctx context.Context, rawToken string, lookup ProviderLookup) (*Claims, error) {
	return v.verify(ctx, rawToken, nil, lookup)
}

// verify implements Verify (p set) and VerifyWith (lookup set).
func (v *Verifier) verify(ctx context.Context, rawToken string, p *Provider, lookup ProviderLookup) (*Claims, error) {
	if err := checkLength(rawToken); err != nil {
		return nil, err
	}
	now := v.opts.Now()

	var sum [32]byte
	var hit *tokenEntry
	if v.tokens != nil {
		sum = hashToken(rawToken)
		hit = v.tokens.get(sum, now)
	}
	// A cache miss parses the token once, here, for both the issuer
	// lookup and verification.
	var pt *parsedToken
	if hit == nil {
		var err error
		if pt, err = parseToken(rawToken); err != nil {
			return nil, err
		}
	}
	if p == nil {
		var iss string
		if hit != nil {
			iss = hit.claims.Issuer
		} else {
			var ok bool
			if iss, ok = pt.claims["iss"].(string); !ok || iss == "" {
				return nil, invalidToken(msgInvalidJWT, "iss claim is missing or not a non-empty string")
			}
		}
		var err error
		if p, err = lookup(iss); err != nil {
			return nil, err
		}
		if p == nil {
			return nil, errors.New("oidc: provider lookup returned no provider and no error")
		}
	}
	st, err := v.state(p)
	if err != nil {
		return nil, err
	}

	if hit != nil {
		if hit.state == st {
			ks, err := st.keys(ctx, false)
			if err != nil {
				return nil, err
			}
			if ks.has(hit.key) {
				v.stats.cacheHits.Add(1)
				return v.finish(hit.claims, p, now)
			}
		}
		if pt, err = parseToken(rawToken); err != nil {
			return nil, err
		}
	}
	if v.tokens != nil {
		v.stats.cacheMisses.Add(1)
	}

	c, key, err := v.verifySignature(ctx, st, pt)
	if err != nil {
		return nil, err
	}
	// Cache once the signature has verified, before the time and audience
	// checks: finish runs on every hit, so a token rejected here for its
	// audience (or a premature nbf) is rejected again without another
	// signature verification when it is retried. Expired tokens are not
	// kept (get drops entries at exp).
	if v.tokens != nil && now.Before(c.Expiry) {
		v.tokens.put(sum, &tokenEntry{claims: c, state: st, key: key, exp: c.Expiry})
	}
	return v.finish(c, p, now)
}

// hashBufs recycles the buffers hashToken copies tokens into, so hashing a
// token (up to 20,000 bytes) does not allocate.
var hashBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// hashToken returns the SHA-256 of a token, the verified-token cache key.
func hashToken(s string) [32]byte {
	bp := hashBufs.Get().(*[]byte)
	b := append((*bp)[:0], s...)
	sum := sha256.Sum256(b)
	*bp = b[:0]
	hashBufs.Put(bp)
	return sum
}

// A parsedToken is a token split and decoded but not yet trusted.
type parsedToken struct {
	jws      *jose.JSONWebSignature
	alg, kid string
	// claims is the decoded payload; nothing in it is trusted until the
	// signature verifies.
	claims map[string]any
}

// parseToken parses a JWS compact token with an accepted alg and decodes
// its payload (once: the issuer lookup and the claims both use it).
func parseToken(rawToken string) (*parsedToken, error) {
	jws, err := jose.ParseSignedCompact(rawToken, allowedAlgs)
	if err != nil {
		var ua *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &ua) {
			return nil, invalidToken(msgInvalid, fmt.Sprintf("alg %s is not accepted (STS accepts RS256, RS384, RS512, ES256, ES384, ES512)", quote(string(ua.Got), 32)))
		}
		return nil, invalidToken(msgInvalidJWT, "not a JWS compact serialization")
	}
	if len(jws.Signatures) != 1 {
		return nil, invalidToken(msgInvalidJWT, "not a single-signature JWS")
	}
	hdr := jws.Signatures[0].Protected
	if _, ok := hdr.ExtraHeaders["crit"]; ok {
		// No critical extension is understood (RFC 7515 §4.1.11);
		// this also refuses b64=false (RFC 7797), which needs crit.
		return nil, invalidToken(msgInvalid, "token header has a crit parameter; no critical extension is supported")
	}
	m, ok := decodeJSONObject(jws.UnsafePayloadWithoutVerification())
	if !ok {
		return nil, invalidToken(msgInvalidJWT, "payload is not a JSON object")
	}
	return &parsedToken{jws: jws, alg: hdr.Algorithm, kid: hdr.KeyID, claims: m}, nil
}

// verifySignature checks a parsed token's issuer against st, then verifies
// its signature with a key of st's issuer and extracts the claims. The
// issuer is checked before any key is fetched: a token for another issuer
// must not make us contact this one.
func (v *Verifier) verifySignature(ctx context.Context, st *issuerState, pt *parsedToken) (*Claims, *verificationKey, error) {
	iss, _ := pt.claims["iss"].(string)
	if iss != st.issuer {
		why := fmt.Sprintf("token iss %s does not match provider issuer %s", quote(iss, 200), quote(st.issuer, 200))
		if iss != "" && !strings.HasPrefix(iss, "https://") {
			why += " (issuers must use https)"
		}
		return nil, nil, invalidToken(msgInvalid, why)
	}
	key, err := st.selectKey(ctx, pt.alg, pt.kid, func(k *verificationKey) bool {
		_, err := pt.jws.Verify(k.pub)
		return err == nil
	})
	if err != nil {
		return nil, nil, err
	}
	c, err := parseClaims(pt.claims)
	if err != nil {
		return nil, nil, invalidToken(msgInvalid, err.Error())
	}
	c.KeyID, c.Algorithm = pt.kid, pt.alg
	return c, key, nil
}

// finish applies the checks that depend on the time and the provider's
// client IDs, and returns the caller's copy of the claims.
func (v *Verifier) finish(c *Claims, p *Provider, now time.Time) (*Claims, error) {
	if !now.Before(c.Expiry) {
		return nil, expired(now, c.Expiry)
	}
	limit := now.Add(v.opts.ClockSkew)
	if !c.NotBefore.IsZero() && c.NotBefore.After(limit) {
		return nil, invalidToken(msgInvalid, fmt.Sprintf("token is not valid before %s (nbf); it is now %s", c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(limit) {
		return nil, invalidToken(msgInvalid, fmt.Sprintf("token is issued in the future (iat %s); it is now %s", c.IssuedAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	aud, ok := matchAudience(c, p.ClientIDs)
	if !ok {
		return nil, invalidToken(msgAudience, fmt.Sprintf("token aud %s (azp %s) is not among the client IDs of %s %s", quoteList(c.Audience), quote(c.AZP, 200), providerName(p), quoteList(p.ClientIDs)))
	}
	out := *c
	out.MatchedAudience = aud
	return &out, nil
}

// matchAudience returns the first aud that is a client ID, else azp if it
// is one. AWS maps azp to the :aud key for Google-style tokens whose aud is
// another party.
func matchAudience(c *Claims, clientIDs []string) (string, bool) {
	for _, a := range c.Audience {
		if slices.Contains(clientIDs, a) {
			return a, true
		}
	}
	if c.AZP != "" && slices.Contains(clientIDs, c.AZP) {
		return c.AZP, true
	}
	return "", false
}

func providerName(p *Provider) string {
	if p.ARN != "" {
		return p.ARN
	}
	return "provider " + p.URL
}

func quoteList(l []string) string {
	const maxItems = 5
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range l {
		if i == maxItems {
			fmt.Fprintf(&b, " ...%d more", len(l)-maxItems)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quote(s, 100))
	}
	b.WriteByte(']')
	return b.String()
}

// state returns the issuer state for p's issuer and trust configuration,
// creating it on first use.
func (v *Verifier) state(p *Provider) (*issuerState, error) {
	if p == nil || p.URL == "" {
		return nil, errors.New("oidc: provider has no URL")
	}
	v.mu.RLock()
	for _, st := range v.issuers[p.URL] {
		if st.sameTrust(p) {
			v.mu.RUnlock()
			return st, nil
		}
	}
	v.mu.RUnlock()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, st := range v.issuers[p.URL] {
		if st.sameTrust(p) {
			return st, nil
		}
	}
	st := newIssuerState(v, "https://"+p.URL, p)
	states := append(v.issuers[p.URL], st)
	if len(states) > maxTrustConfigsPerIssuer {
		// A provider whose thumbprints or CA bundle changed leaves its
		// old state behind; drop the oldest so edits cannot grow the map
		// without bound. Cached tokens of a dropped state re-verify.
		states[0].client.CloseIdleConnections()
		states = slices.Delete(states, 0, 1)
	}
	v.issuers[p.URL] = states
	return st, nil
}

// maxTrustConfigsPerIssuer bounds the trust configurations remembered for
// one issuer URL (normally one; a few while accounts disagree or a
// provider is being edited).
const maxTrustConfigsPerIssuer = 8

// An issuerState is the verifier's knowledge of one issuer under one trust
// configuration: its jwks_uri and its current keys.
type issuerState struct {
	v      *Verifier
	issuer string
	// thumbprints (as given, for sameTrust) and caBundle identify the
	// trust configuration; client fetches under it.
	thumbprints []string
	caBundle    []byte
	client      *http.Client

	sf singleflight.Group

	mu sync.RWMutex
	// The fields below are guarded by mu.
	ks          *keySet   // current keys; nil until the first success
	jwksURI     string    // from discovery; "" until discovered
	fetchedAt   time.Time // last successful JWKS fetch
	discovered  time.Time // last successful discovery fetch
	lastAttempt time.Time // end of the last fetch attempt, successful or not
	lastErr     error     // the last attempt's error, nil after a success
}

func newIssuerState(v *Verifier, issuer string, p *Provider) *issuerState {
	var roots *x509.CertPool
	if v.opts.RootCAs != nil {
		roots = v.opts.RootCAs.Clone()
	} else {
		var err error
		if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
	}
	if len(p.CABundle) > 0 {
		roots.AppendCertsFromPEM(p.CABundle)
	}
	trust := &trustConfig{roots: roots}
	for _, t := range p.Thumbprints {
		trust.thumbprints = append(trust.thumbprints, strings.ToLower(t))
	}
	return &issuerState{
		v:           v,
		issuer:      issuer,
		thumbprints: slices.Clone(p.Thumbprints),
		caBundle:    bytes.Clone(p.CABundle),
		client:      newHTTPClient(&v.opts, trust),
	}
}

// sameTrust reports whether p's trust configuration is this state's.
func (st *issuerState) sameTrust(p *Provider) bool {
	if !bytes.Equal(st.caBundle, p.CABundle) || len(st.thumbprints) != len(p.Thumbprints) {
		return false
	}
	for i := range st.thumbprints {
		if !strings.EqualFold(st.thumbprints[i], p.Thumbprints[i]) {
			return false
		}
	}
	return true
}

// selectKey finds the key for a token's alg and kid and checks the
// signature with verify. With a kid, the key with that kid must exist, be
// unambiguous and fit alg; if it does not exist the JWKS is refetched once
// (subject to MinRefetchInterval) to pick up a rotation. Without a kid,
// every key that fits alg is tried.
func (st *issuerState) selectKey(ctx context.Context, alg, kid string, verify func(*verificationKey) bool) (*verificationKey, error) {
	ks, err := st.keys(ctx, false)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if kid != "" {
			if ks.ambiguous[kid] {
				return nil, invalidToken(msgNoKey, fmt.Sprintf("kid %s names more than one key in the JWKS at %s", quote(kid, 64), ks.uri))
			}
			if k := ks.byKID[kid]; k != nil {
				if !k.compatible(alg) {
					return nil, invalidToken(msgInvalid, fmt.Sprintf("key %s is %s (alg %s) and cannot verify alg %s", quote(kid, 64), k.desc, quote(k.alg, 16), alg))
				}
				if !verify(k) {
					return nil, invalidToken(msgInvalid, fmt.Sprintf("signature does not verify with key %s from %s", quote(kid, 64), ks.uri))
				}
				return k, nil
			}
		} else {
			tried := 0
			for _, k := range ks.all {
				if !k.compatible(alg) {
					continue
				}
				tried++
				if verify(k) {
					return k, nil
				}
			}
			if tried > 0 {
				return nil, invalidToken(msgInvalid, fmt.Sprintf("token has no kid and its signature verifies with none of the %d %s keys from %s", tried, alg, ks.uri))
			}
		}
		if attempt > 0 {
			break
		}
		refreshed, err := st.keys(ctx, true)
		if err != nil {
			return nil, err
		}
		if refreshed == ks {
			break // rate-limited: nothing new
		}
		ks = refreshed
	}
	if kid != "" {
		return nil, invalidToken(msgNoKey, fmt.Sprintf("no key with kid %s in the JWKS at %s", quote(kid, 64), ks.uri))
	}
	return nil, invalidToken(msgNoKey, fmt.Sprintf("token has no kid and the JWKS at %s has no key for alg %s", ks.uri, alg))
}

// keys returns the issuer's current key set, refreshing it when it is older
// than KeyTTL or when force is set (an unknown kid). Refreshes are
// single-flighted and at most one per MinRefetchInterval; when a refresh is
// not allowed or fails, keys up to KeyTTL+MaxStale old are still returned.
// With no usable keys it returns the refresh failure as an *apierror.Error.
func (st *issuerState) keys(ctx context.Context, force bool) (*keySet, error) {
	o := &st.v.opts
	now := o.Now()
	st.mu.RLock()
	ks, fetchedAt, lastAttempt, lastErr := st.ks, st.fetchedAt, st.lastAttempt, st.lastErr
	st.mu.RUnlock()

	fresh := ks != nil && now.Before(fetchedAt.Add(o.KeyTTL))
	if fresh && !force {
		return ks, nil
	}
	usable := ks != nil && now.Before(fetchedAt.Add(o.KeyTTL+o.MaxStale))
	if !lastAttempt.IsZero() && now.Before(lastAttempt.Add(o.MinRefetchInterval)) {
		// Rate-limited: answer with what we have.
		if usable {
			return ks, nil
		}
		if lastErr != nil {
			return nil, lastErr
		}
		return nil, idpCommunication("keys of " + st.issuer + " are unavailable")
	}

	ch := st.sf.DoChan("refresh", func() (any, error) {
		return st.refresh()
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			if usable {
				return ks, nil
			}
			return nil, r.Err
		}
		return r.Val.(*keySet), nil
	case <-ctx.Done():
		if usable {
			return ks, nil
		}
		return nil, idpCommunication("gave up waiting for the keys of " + st.issuer + ": " + ctx.Err().Error())
	}
}

// refresh fetches discovery (when unknown or older than KeyTTL) and the
// JWKS, detached from any one caller's context so that a caller giving up
// does not fail the fetch for everyone waiting on it.
func (st *issuerState) refresh() (*keySet, error) {
	o := &st.v.opts
	st.v.stats.fetches.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), o.FetchTimeout)
	defer cancel()

	st.mu.RLock()
	jwksURI, discovered, old := st.jwksURI, st.discovered, st.ks
	st.mu.RUnlock()

	now := o.Now()
	ks, newURI, didDiscover, err := st.fetch(ctx, jwksURI, discovered, now)

	st.mu.Lock()
	defer st.mu.Unlock()
	st.lastAttempt = o.Now()
	if err != nil {
		st.v.stats.fetchErrors.Add(1)
		st.lastErr = err
		if ae, ok := apierror.As(err); ok {
			o.Logger.Warn("oidc key refresh failed", "issuer", st.issuer, "code", ae.Code, "reason", ae.Explanation)
		}
		return nil, err
	}
	if didDiscover {
		st.jwksURI, st.discovered = newURI, now
	}
	st.ks, st.fetchedAt, st.lastErr = ks, now, nil
	if old != nil && !sameKeys(old, ks) {
		o.Logger.Info("oidc issuer keys changed", "issuer", st.issuer, "jwks_uri", newURI, "keys", len(ks.all))
	}
	return ks, nil
}

// fetch performs one refresh: discovery when jwksURI is unknown or was
// discovered more than KeyTTL ago, then the JWKS. It reports the jwks_uri
// used and whether discovery was fetched.
func (st *issuerState) fetch(ctx context.Context, jwksURI string, discovered, now time.Time) (*keySet, string, bool, error) {
	o := &st.v.opts
	didDiscover := false
	if jwksURI == "" || !now.Before(discovered.Add(o.KeyTTL)) {
		// OpenID Connect Discovery §4: remove a terminating "/" from
		// the issuer before appending the well-known path.
		u := strings.TrimSuffix(st.issuer, "/") + DiscoveryPath
		b, ferr := get(ctx, st.client, u, o.MaxDiscoveryBytes, "discovery")
		if ferr != nil {
			return nil, "", false, ferr.apiError()
		}
		discoveredURI, err := parseDiscovery(b, st.issuer)
		if err != nil {
			return nil, "", false, invalidToken(msgNoKey, err.Error()+" (from "+u+")")
		}
		jwksURI, didDiscover = discoveredURI, true
	}
	b, ferr := get(ctx, st.client, jwksURI, o.MaxJWKSBytes, "JWKS")
	if ferr != nil {
		return nil, "", false, ferr.apiError()
	}
	ks, err := parseJWKS(b, o.MaxKeys, jwksURI)
	if err != nil {
		return nil, "", false, invalidToken(msgNoKey, err.Error()+" (from "+jwksURI+")")
	}
	return ks, jwksURI, didDiscover, nil
}

func sameKeys(a, b *keySet) bool {
	if len(a.all) != len(b.all) {
		return false
	}
	for i := range a.all {
		if a.all[i].thumb != b.all[i].thumb || a.all[i].kid != b.all[i].kid {
			return false
		}
	}
	return true
}
