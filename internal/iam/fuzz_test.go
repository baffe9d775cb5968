package iam

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/auth"
)

func FuzzEncodeDocument(f *testing.F) {
	f.Add(s3ReadDoc)
	f.Add("+ %20 %%")
	f.Add("\xff\x00é")
	f.Fuzz(func(t *testing.T, doc string) {
		enc := EncodeDocument(doc)
		for i := 0; i < len(enc); i++ {
			if c := enc[i]; !unreserved(c) && c != '%' {
				t.Fatalf("unescaped byte %q in %q", c, enc)
			}
		}
		for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
			back, err := unescape(enc)
			if err != nil || back != doc {
				t.Fatalf("round trip of %q: %q, %v", doc, back, err)
			}
		}
	})
}

func FuzzDecodeOffset(f *testing.F) {
	f.Add(encodeOffset(0))
	f.Add(encodeOffset(12345))
	f.Add("b2Zmc2V0Oi0x")
	f.Add("")
	f.Fuzz(func(t *testing.T, marker string) {
		n, ok := decodeOffset(marker)
		if !ok {
			return
		}
		if n < 0 || encodeOffset(n) != marker {
			t.Fatalf("decodeOffset(%q) = %d, which encodes as %q", marker, n, encodeOffset(n))
		}
	})
}

func FuzzProviderKey(f *testing.F) {
	f.Add("https://oidc.eks.us-west-2.amazonaws.com/id/ABC")
	f.Add("https://127.0.0.1:8443/")
	f.Add("https://a@b")
	f.Add("https://[::1]:443/x")
	f.Fuzz(func(t *testing.T, raw string) {
		key, err := ProviderKey(raw)
		if err != nil {
			if _, ok := apierror.As(err); !ok {
				t.Fatalf("error %v is not an API error", err)
			}
			return
		}
		if key == "" || strings.HasPrefix(key, "https://") || strings.HasSuffix(key, "/") || strings.ContainsAny(key, "?# \t\r\n") {
			t.Fatalf("ProviderKey(%q) = %q", raw, key)
		}
		if arn.ProviderKey(raw) != key {
			t.Fatalf("key %q differs from STS's %q", key, arn.ProviderKey(raw))
		}
		a, err := arn.Parse(arn.OIDCProvider("aws", acct, raw))
		if err != nil || a.Resource != "oidc-provider/"+key {
			t.Fatalf("provider ARN of %q does not parse back: %+v %v", raw, a, err)
		}
	})
}

// FuzzQuery sends arbitrary parameters to every implemented action as the
// account root (and as a user without permissions): nothing panics, and
// every failure is an AWS-shaped error, never an internal one.
func FuzzQuery(f *testing.F) {
	f.Add(uint16(0), "UserName=a&Path=/x/", false)
	f.Add(uint16(5), "RoleName=app&AssumeRolePolicyDocument="+url.QueryEscape(trustDoc), false)
	f.Add(uint16(9), "PolicyArn="+url.QueryEscape(pARN)+"&VersionId=v1", true)
	f.Add(uint16(20), "Tags.member.1.Key=a&Tags.member.1.Value=b&RoleName=app", false)
	f.Add(uint16(33), "Url=https://x.example.com&ThumbprintList.member.1="+strings.Repeat("a", 40), false)
	f.Add(uint16(40), "Marker=b2Zmc2V0OjE&MaxItems=1&UserName=bob", false)
	fuzzEnv, _ := seed(f)
	var fuzzActions []string
	for name := range implemented(fuzzEnv) {
		fuzzActions = append(fuzzActions, name)
	}
	sort.Strings(fuzzActions)
	nobody := fuzzEnv.userCaller("nobody")
	f.Fuzz(func(t *testing.T, which uint16, query string, asNobody bool) {
		if !utf8.ValidString(query) {
			return
		}
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		action := fuzzActions[int(which)%len(fuzzActions)]
		caller := rootOf(acct)
		if asNobody {
			caller = nobody
		}
		a, _ := fuzzEnv.q.Lookup(action)
		_, err = fuzzEnv.q.Call(auth.WithCaller(context.Background(), caller), a, form)
		if err == nil {
			return
		}
		e, ok := apierror.As(err)
		if !ok || e.Code == "InternalFailure" {
			t.Fatalf("%s %q: internal error %v", action, query, err)
		}
		if asNobody && e.Code != "AccessDenied" && e.Code != "ValidationError" && e.Code != "InvalidInput" {
			t.Fatalf("%s %q as nobody: %v", action, query, err)
		}
	})
}
