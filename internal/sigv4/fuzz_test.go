package sigv4

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseAuthorization feeds arbitrary Authorization and X-Amz-Date
// headers to Parse: it must not panic, must fail with an *apierror.Error,
// and anything it accepts must be well formed.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(goodAuthz, "20260101T000000Z")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;x-amz-date, Signature=x", "20260101T000000Z")
	f.Add("AWS4-HMAC-SHA256", "")
	f.Add("Bearer x", "x")
	f.Add("AWS4-HMAC-SHA256 Credential=,SignedHeaders=;,Signature==", "Thu, 01 Jan 2026 00:00:00 GMT")
	f.Fuzz(func(t *testing.T, authz, date string) {
		r, _ := http.NewRequest("POST", "https://sts.amazonaws.com/", nil)
		r.Header["Authorization"] = []string{authz}
		r.Header["X-Amz-Date"] = []string{date}
		a, err := Parse(r)
		if err != nil {
			if _, ok := apiErr(err); !ok {
				t.Fatalf("error %v is not an *apierror.Error", err)
			}
			return
		}
		if a.Form != FormHeader || !a.signs("host") || !a.signs("x-amz-date") || len(a.amzDate) != len(TimeFormat) || strings.Count(a.Scope.String(), "/") != 3 {
			t.Fatalf("accepted malformed %v", a)
		}
		_ = (&Verifier{}).Check(a, "sts", a.Time)
		_ = NewVerifier().Verify(r, a, "secret", "")
	})
}

// FuzzParsePresigned feeds arbitrary query strings to Parse.
func FuzzParsePresigned(f *testing.F) {
	f.Add(goodQuery)
	f.Add(goodQuery + "&X-Amz-Security-Token=a%2Bb")
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-0")
	f.Add("X-Amz-Credential=%ZZ&X-Amz-Signature")
	f.Fuzz(func(t *testing.T, query string) {
		r, err := http.NewRequest("GET", "https://sts.amazonaws.com/", nil)
		if err != nil {
			t.Skip()
		}
		r.URL.RawQuery = query
		a, err := Parse(r)
		if err != nil {
			if _, ok := apiErr(err); !ok {
				t.Fatalf("error %v is not an *apierror.Error", err)
			}
			return
		}
		if a.Form != FormPresigned || !a.signs("host") || a.Expires < 0 || a.Expires > MaxExpires || len(a.amzDate) != len(TimeFormat) {
			t.Fatalf("accepted malformed %v", a)
		}
		_ = (&Verifier{EnforceExpires: true}).Check(a, "sts", a.Time)
		_ = NewVerifier().Verify(r, a, "secret", "")
	})
}

// FuzzCanonical checks the canonicalizer on arbitrary paths, queries and
// header values: the output uses only the characters SigV4 allows, the
// canonical query is a fixed point, and whatever Sign signs, Verify
// accepts (signer and verifier agree on every input).
func FuzzCanonical(f *testing.F) {
	f.Add("/a/./b/../c//d/", "b=2&a=%2F&c=+", "  x   y ")
	f.Add("/%E2%9C%93/%zz", "X-Amz-Signature=1&%", "\t")
	f.Add("", "&&=", "")
	f.Fuzz(func(t *testing.T, path, query, value string) {
		cq := string(appendCanonicalQuery(nil, query, false))
		for i := 0; i < len(cq); i++ {
			if c := cq[i]; !isUnreserved(c) && c != '%' && c != '=' && c != '&' {
				t.Fatalf("canonical query %q has %q", cq, c)
			}
		}
		if again := string(appendCanonicalQuery(nil, cq, false)); again != cq {
			t.Fatalf("canonical query not a fixed point: %q -> %q", cq, again)
		}
		cu := string(appendEncoded(nil, normalizePath(path), true))
		for i := 0; i < len(cu); i++ {
			if c := cu[i]; !isUnreserved(c) && c != '%' && c != '/' {
				t.Fatalf("canonical URI %q has %q", cu, c)
			}
		}
		_ = appendHeaderValue(nil, value)

		// Round trip through Sign and Verify.
		if strings.ContainsAny(value, "\r\n\x00") || strings.ContainsAny(path, "?#") || !strings.HasPrefix(path, "/") {
			return
		}
		r, err := http.NewRequest("GET", "https://example.com/", nil)
		if err != nil {
			t.Skip()
		}
		decoded, err := url.PathUnescape(path)
		if err != nil {
			return
		}
		r.URL.RawPath, r.URL.Path, r.URL.RawQuery = path, decoded, query
		r.Header.Set("X-Fuzz", value)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := Sign(r, "", Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, "us-east-1", "svc", now); err != nil {
			t.Fatal(err)
		}
		r.RequestURI = r.URL.RequestURI() // what goes on the wire
		a, err := Parse(r)
		if err != nil {
			// A fuzzed query can itself look like a (broken) presigned
			// request; that is Parse's business.
			return
		}
		if err := NewVerifier().Verify(r, a, "secret", ""); err != nil {
			t.Fatalf("Sign and Verify disagree on path %q query %q value %q: %v", path, query, value, explanation(err))
		}
	})
}
