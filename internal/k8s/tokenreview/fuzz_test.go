package tokenreview

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseToken checks that ParseToken never panics, rejects only with a
// *TokenError whose message never echoes the signature, and that what it
// accepts is internally consistent.
func FuzzParseToken(f *testing.F) {
	good := presignURL(userOneOpts())
	f.Add(tokenFromURL(good))
	o := userOneOpts()
	o.sessionToken, o.host, o.region = "tok", ownHost, "eu-west-1"
	f.Add(tokenFromURL(presignURL(o)))
	f.Add(tokenFromURL(good + "&action=GetCallerIdentity"))
	f.Add(tokenFromURL(strings.Replace(good, "https", "http", 1)))
	f.Add(Prefix + "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8")
	f.Add("")
	f.Add(Prefix)
	allow := AllowedHosts(ownHost)
	f.Fuzz(func(t *testing.T, token string) {
		p, err := ParseToken(token, cluster, allow, testNow)
		if err != nil {
			var te *TokenError
			if !errors.As(err, &te) || te.Reason == "" {
				t.Fatalf("error %v is not a *TokenError with a reason", err)
			}
			return
		}
		if p.Method != "GET" || p.Path != "/" || !allow(strings.ToLower(p.Host)) || p.Service != "sts" ||
			len(p.Signature) != 64 || p.Expires > MaxExpires*time.Second || p.Header.Get(ClusterIDHeader) != cluster ||
			testNow.After(p.Date.Add(Window)) || p.AccessKeyID == "" {
			t.Fatalf("accepted inconsistent request %+v", p)
		}
		if n := len(p.Query); n > len(allowedQuery) {
			t.Fatalf("accepted %d query parameters", n)
		}
	})
}
