package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/url"

	jose "github.com/go-jose/go-jose/v4"
)

// allowedAlgs are the JWS algorithms STS accepts for web identity tokens.
// none, the HMAC family (HS*) and RSASSA-PSS (PS*) are refused at parse
// time: HS256 "signed" with an issuer's RSA public key is the classic key
// confusion attack, and none is no signature at all.
var allowedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

// RSA modulus bounds for issuer keys. Below 2048 bits is too weak to trust;
// above 8192 bits makes each verification disproportionately expensive, so
// a hostile JWKS cannot slow the server down with a giant key.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// A verificationKey is one usable public signing key from an issuer's JWKS.
// It is immutable once built.
type verificationKey struct {
	kid string
	// alg is the JWK's "alg", empty if the JWK does not restrict it.
	alg string
	// pub is *rsa.PublicKey or *ecdsa.PublicKey.
	pub crypto.PublicKey
	// thumb is the RFC 7638 SHA-256 thumbprint, the key's identity for
	// de-duplication and for revalidating cached verifications.
	thumb string
	// desc describes the key for explanations, e.g. "RSA-2048".
	desc string
}

// compatible reports whether the key can verify a signature made with alg.
// The key type must match the algorithm family and, for ECDSA, the curve
// must be the algorithm's; a JWK that names its own alg must name this one.
func (k *verificationKey) compatible(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		return alg == string(jose.RS256) || alg == string(jose.RS384) || alg == string(jose.RS512)
	case *ecdsa.PublicKey:
		switch alg {
		case string(jose.ES256):
			return pub.Curve == elliptic.P256()
		case string(jose.ES384):
			return pub.Curve == elliptic.P384()
		case string(jose.ES512):
			return pub.Curve == elliptic.P521()
		}
	}
	return false
}

// A keySet is a parsed JWKS. It is immutable once built and shared by
// concurrent verifications.
type keySet struct {
	// byKID holds the unambiguous keys that have a kid.
	byKID map[string]*verificationKey
	// ambiguous holds kids that name two different keys. A token with
	// such a kid is refused: the issuer's JWKS is inconsistent and
	// picking either key would be a guess an attacker might steer.
	ambiguous map[string]bool
	// all holds every usable key, in JWKS order, for tokens without a kid.
	all []*verificationKey
	// skipped counts JWKS entries that were ignored (encryption keys,
	// unsupported types or curves, weak or oversized RSA keys).
	skipped int
	// uri is where the set was fetched from, for explanations.
	uri string
}

// has reports whether k (by kid and thumbprint) is still in the set. It
// revalidates a cached verification after the set was refreshed.
func (s *keySet) has(k *verificationKey) bool {
	if k.kid != "" {
		cur := s.byKID[k.kid]
		return cur != nil && cur.thumb == k.thumb
	}
	for _, c := range s.all {
		if c.thumb == k.thumb {
			return true
		}
	}
	return false
}

// jwksError describes why a JWKS document cannot be used.
type jwksError string

func (e jwksError) Error() string { return string(e) }

// parseJWKS parses a JWKS document into a keySet, keeping only public
// signing keys STS can use (RSA 2048–8192 bits; ECDSA P-256, P-384, P-521).
// Entries that do not parse or are not usable are skipped, not fatal, so an
// issuer publishing an extra key type does not break its other keys. It
// fails if the document is not a JWKS, has more than maxKeys entries, or has
// no usable key at all.
func parseJWKS(b []byte, maxKeys int, uri string) (*keySet, error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, jwksError("JWKS is not a JSON object")
	}
	if doc.Keys == nil {
		return nil, jwksError("JWKS has no keys member")
	}
	raw := *doc.Keys
	if len(raw) > maxKeys {
		return nil, jwksError(fmt.Sprintf("JWKS has %d keys; at most %d are accepted", len(raw), maxKeys))
	}
	s := &keySet{byKID: make(map[string]*verificationKey, len(raw)), uri: uri}
	for _, r := range raw {
		k, ok := parseJWK(r)
		if !ok {
			s.skipped++
			continue
		}
		if k.kid != "" {
			if prev, dup := s.byKID[k.kid]; dup {
				if prev.thumb == k.thumb && prev.alg == k.alg {
					continue // the same key listed twice
				}
				if s.ambiguous == nil {
					s.ambiguous = make(map[string]bool)
				}
				s.ambiguous[k.kid] = true
			} else if !s.ambiguous[k.kid] {
				s.byKID[k.kid] = k
			}
		}
		s.all = append(s.all, k)
	}
	for kid := range s.ambiguous {
		delete(s.byKID, kid)
	}
	if len(s.all) == 0 {
		return nil, jwksError(fmt.Sprintf("JWKS has no usable signing key (%d entries skipped)", s.skipped))
	}
	return s, nil
}

// parseJWK parses one JWKS entry, reporting false for anything STS cannot
// verify with.
func parseJWK(r json.RawMessage) (*verificationKey, bool) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(r); err != nil {
		return nil, false
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return nil, false
	}
	// A JWKS must hold public keys only; if an issuer leaks a private key
	// we still only ever use its public half.
	pubJWK := jwk.Public()
	if !pubJWK.Valid() {
		return nil, false
	}
	k := &verificationKey{kid: jwk.KeyID, alg: jwk.Algorithm, pub: pubJWK.Key}
	switch pub := pubJWK.Key.(type) {
	case *rsa.PublicKey:
		bits := pub.N.BitLen()
		if bits < minRSABits || bits > maxRSABits {
			return nil, false
		}
		k.desc = fmt.Sprintf("RSA-%d", bits)
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, false
		}
		k.desc = "EC " + pub.Curve.Params().Name
	default:
		return nil, false
	}
	if k.alg != "" && !k.compatible(k.alg) {
		// The JWK names an algorithm we do not accept or one that does
		// not fit its own key type.
		return nil, false
	}
	tp, err := pubJWK.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, false
	}
	k.thumb = string(tp)
	return k, true
}

// discoveryError describes why a discovery document cannot be used.
type discoveryError string

func (e discoveryError) Error() string { return string(e) }

// parseDiscovery parses an OpenID Provider configuration document and
// returns its jwks_uri. The document's issuer must equal the expected issuer
// exactly (OpenID Connect Discovery 1.0 §4.3), so a document copied from, or
// redirected to, another issuer is refused. jwks_uri must be an absolute
// https URL; it may be on another host (Google's is, and so is a
// kube-apiserver's when --service-account-jwks-uri points elsewhere).
func parseDiscovery(b []byte, issuer string) (string, error) {
	var doc struct {
		Issuer  *string `json:"issuer"`
		JWKSURI *string `json:"jwks_uri"`
	}
	// Decode exact member names: encoding/json's case-insensitive field
	// matching would accept "ISSUER".
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return "", discoveryError("discovery document is not a JSON object")
	}
	for name, dst := range map[string]**string{"issuer": &doc.Issuer, "jwks_uri": &doc.JWKSURI} {
		raw, ok := top[name]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", discoveryError("discovery " + name + " is not a string")
		}
		*dst = &s
	}
	if doc.Issuer == nil || *doc.Issuer != issuer {
		got := "none"
		if doc.Issuer != nil {
			got = quote(*doc.Issuer, 200)
		}
		return "", discoveryError(fmt.Sprintf("discovery issuer %s does not match %s", got, quote(issuer, 200)))
	}
	if doc.JWKSURI == nil || *doc.JWKSURI == "" {
		return "", discoveryError("discovery document has no jwks_uri")
	}
	u, err := url.Parse(*doc.JWKSURI)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", discoveryError("discovery jwks_uri " + quote(*doc.JWKSURI, 200) + " is not an absolute https URL")
	}
	return u.String(), nil
}
