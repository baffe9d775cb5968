// Package oidc verifies web identity tokens for STS AssumeRoleWithWebIdentity
// and EKS Auth AssumeRoleForPodIdentity, and publishes a cluster's
// service-account issuer so that its tokens can be verified.
//
// # Verification
//
// A Verifier checks a JWT against an IAM OIDC provider (Provider: the
// issuer URL without scheme, client IDs, thumbprints, an optional CA
// bundle) the way STS does: keys come only from the issuer's published
// JWKS (ISS/.well-known/openid-configuration → jwks_uri, both https);
// alg must be RS256/384/512 or ES256/384/512 (none, HS*, PS* and anything
// else are refused before any key is touched); the key's type and curve
// must fit alg; iss must be exactly "https://"+Provider.URL; exp must be in
// the future; nbf and iat at most ClockSkew ahead; sub present; an aud, or
// else azp, among the client IDs. Typical use:
//
//	v := oidc.NewVerifier(oidc.Options{})
//	claims, err := v.VerifyWith(ctx, token, func(iss string) (*oidc.Provider, error) {
//		// find the provider for iss in the role's account, or return
//		// InvalidIdentityToken "No OpenIDConnect provider found in your account for "+iss
//	})
//
// Errors are *apierror.Error with STS's codes: InvalidIdentityToken,
// ExpiredTokenException, IDPCommunicationError and ValidationError (tokens
// over 20,000 characters). Each carries an Explanation of the real reason
// for trustbridge's explain output.
//
// Issuer keys are cached per issuer and trust configuration for KeyTTL,
// refreshed single-flight, and refetched early when a token names an
// unknown kid — at most once per MinRefetchInterval, so a flood of bogus
// kids costs the issuer one request per interval. Keys stay usable for
// MaxStale while the issuer is down. Fetches are bounded by FetchTimeout and
// by size limits; redirects are followed only to the same https host.
//
// TLS to issuers: the chain must verify against the system roots plus the
// provider's CA bundle; failing that, the SHA-1 of the top certificate the
// server presents must equal one of the provider's thumbprints (AWS's
// definition), and the chain must still be valid for the host under that
// pinned anchor. A publicly trusted chain makes thumbprints irrelevant, as
// it does at AWS today.
//
// Verified tokens are cached by SHA-256 until exp (bounded, sharded LRU);
// a reused token skips parsing and signature verification as long as its
// key is still in the issuer's current JWKS, while expiry and audience are
// checked on every call.
//
// # Publishing a cluster's issuer
//
// IRSA on a self-managed cluster needs the cluster's service-account issuer
// at a public https URL. FetchFromCluster reads the API server's discovery
// document and JWKS with kubeconfig credentials; Rewrite points them at the
// URL they will be served from; WriteDir lays them out for static hosting
// (S3, a web server) and Handler serves them from trustbridge itself.
//
// The API server must sign tokens with that URL as iss, and may advertise
// the published JWKS in its own discovery document:
//
//	kube-apiserver \
//	  --service-account-issuer=https://oidc.example.com/clusters/prod \
//	  --service-account-jwks-uri=https://oidc.example.com/clusters/prod/keys.json \
//	  --service-account-key-file=/etc/kubernetes/pki/sa.pub \
//	  --service-account-signing-key-file=/etc/kubernetes/pki/sa.key
//
// --service-account-issuer is the iss of every new token and must equal the
// published issuer URL exactly (no trailing slash); it may be repeated to
// keep accepting tokens of an old issuer during a migration, and the first
// one is used for new tokens. --service-account-jwks-uri overrides the
// jwks_uri the API server puts in its discovery document; Rewrite sets it
// in the published copy either way. The IAM OIDC provider is then created
// for oidc.example.com/clusters/prod with client ID sts.amazonaws.com (and
// pods.eks.amazonaws.com for Pod Identity tokens verified by EKS Auth).
// Keys rotate by adding the new public key to --service-account-key-file,
// republishing, waiting for caches (KeyTTL, Cache-Control max-age) and only
// then switching --service-account-signing-key-file.
//
// Reading the documents needs get on those two non-resource URLs, which the
// ClusterRole system:service-account-issuer-discovery grants (bound by
// default to the group system:serviceaccounts; cluster admins have it
// anyway). Bind it to system:unauthenticated only if a verifier must read
// the API server's own /openid/v1/jwks anonymously, i.e. when the API
// server itself is the issuer URL.
//
// # What this package must never do
//
// It must never log or return a token, a signature or any part of a token
// other than its (quoted, bounded) kid, alg and iss; never take a key from
// the token itself (jwk, jku, x5u, x5c headers); never accept an
// unsigned, HMAC or unlisted algorithm; never fetch from a non-https URL
// or follow a redirect to another host; never let one provider's trust
// settings (thumbprints, CA bundle) vouch for keys used by another; and
// never publish private key material.
package oidc
