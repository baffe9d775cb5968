package iam

import (
	"errors"
	"net/url"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/store"
)

// OpenID Connect provider helpers shared by the provider actions.

// ProviderKey validates an OIDC provider URL as CreateOpenIDConnectProvider
// accepts it — https, a host, an optional port and path, no user
// information, query or fragment — and returns the key IAM stores and puts
// in the provider's ARN: host[:port][/path] without the scheme or a
// trailing slash (arn.ProviderKey, the key STS looks issuers up by).
func ProviderKey(raw string) (string, error) {
	bad := invalidInput("Invalid Open ID Connect Provider URL.")
	if !strings.HasPrefix(raw, "https://") {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", bad
	}
	key := arn.ProviderKey(raw)
	if strings.ContainsAny(key, " \t\r\n") || strings.Contains(key, "//") || strings.HasSuffix(key, "/") {
		return "", bad
	}
	return key, nil
}

// provider loads the provider an ARN names and authorizes the call on it.
// A provider of another account is denied as a cross-account request.
func (c *call) provider(providerARN string, fresh bool, extra ...condition) (store.OIDCProvider, error) {
	a, err := arn.Parse(providerARN)
	key, ok := strings.CutPrefix(a.Resource, "oidc-provider/")
	if err != nil || a.Service != "iam" || !ok || key == "" {
		return store.OIDCProvider{}, errInvalidARN(providerARN)
	}
	if err := c.authorizeIn(providerARN, a.Account, extra...); err != nil {
		return store.OIDCProvider{}, err
	}
	if a.Account != c.account() {
		return store.OIDCProvider{}, errNoSuchProvider(providerARN)
	}
	var p store.OIDCProvider
	if fresh || c.s.Cache == nil {
		p, err = c.s.Store.GetOIDCProvider(c.ctx, c.account(), key)
	} else {
		var cp *store.OIDCProvider
		cp, err = c.s.Cache.OIDCProvider(c.ctx, c.account(), key)
		if err == nil {
			p = *cp
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.OIDCProvider{}, errNoSuchProvider(providerARN)
	}
	if err != nil {
		return store.OIDCProvider{}, storeErr(err)
	}
	return p, nil
}

// updateProvider applies fn to a provider inside a store transaction.
func (c *call) updateProvider(providerARN string, p store.OIDCProvider, fn func(*store.OIDCProvider) error) error {
	err := c.s.Store.UpdateOIDCProvider(c.ctx, p.Account, p.URL, fn)
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchProvider(providerARN)
	}
	if err != nil {
		return storeErr(err)
	}
	c.s.invalidate()
	return nil
}

// checkThumbprints validates thumbprints: at most five, each 40
// hexadecimal digits (the model checks the length).
func checkThumbprints(tps []string) error {
	if len(tps) > maxThumbprints {
		return limitExceeded("Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: %d", maxThumbprints)
	}
	for _, t := range tps {
		if len(t) != 40 || strings.Trim(t, "0123456789abcdefABCDEF") != "" {
			return invalidInput("Thumbprint must be a 40 character hexadecimal string.")
		}
	}
	return nil
}

// addClientIDs returns ids with add appended, without duplicates, within
// the 100 client ID quota.
func addClientIDs(ids []string, add ...string) ([]string, error) {
	out := append([]string(nil), ids...)
	for _, id := range add {
		dup := false
		for _, x := range out {
			if x == id {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, id)
		}
	}
	if len(out) > maxClientIDs {
		return nil, limitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", maxClientIDs)
	}
	return out, nil
}
