package tokenreview

import (
	"encoding/json"
	"errors"
	"net/http"
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
	})
}

// FuzzHandler feeds arbitrary bodies to the TokenReview handler: it must
// never panic, answer every 200 with a JSON TokenReview, and authenticate
// nobody but the one user the seed token belongs to.
func FuzzHandler(f *testing.F) {
	tok := tokenFromURL(presignURL(userOneOpts()))
	f.Add(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + tok + `"}}`)
	f.Add(`{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","metadata":{"creationTimestamp":null},"spec":{"token":"` + tok + `","audiences":["a"]}}`)
	f.Add(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"` + tok + `","token":"k8s-aws-v1.x"}}`)
	f.Add(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"k8s-aws-v1.` + strings.Repeat("A", 100) + `"}}`)
	h := testHandler(f)
	f.Fuzz(func(t *testing.T, body string) {
		rec := post(h, body)
		if rec.Code != http.StatusOK {
			return
		}
		var out struct {
			Kind   string `json:"kind"`
			Status struct {
				Authenticated bool `json:"authenticated"`
				User          struct {
					Username string `json:"username"`
				} `json:"user"`
				Error string `json:"error"`
			} `json:"status"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Kind != "TokenReview" {
			t.Fatalf("reply is not a TokenReview: %s", rec.Body)
		}
		if out.Status.Authenticated != (out.Status.Error == "") {
			t.Fatalf("authenticated and error disagree: %s", rec.Body)
		}
		if out.Status.Authenticated && out.Status.User.Username != "UserOne" {
			t.Fatalf("authenticated someone else: %s", rec.Body)
		}
	})
}
