package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignMatchesGoSDK: Sign produces exactly the Authorization header the
// Go SDK v2 produces for the same request.
func TestSignMatchesGoSDK(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 23, 34, 0, time.UTC)
	for _, tc := range []struct{ name, url, token, body string }{
		{"sts", "https://sts.us-east-1.amazonaws.com/", "", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"token", "https://sts.amazonaws.com/", testToken, "Action=GetCallerIdentity&Version=2011-06-15"},
		{"port and query", "http://127.0.0.1:8443/?Action=ListUsers&b=a%20b&a=2&a=1&c=~x&d=%2F", "", ""},
		{"rest path", "https://eks.us-east-1.amazonaws.com/clusters/a%20b/c%3Ad/~g", "", `{"x":1}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mk := func() *http.Request {
				r, _ := http.NewRequest("POST", tc.url, nil)
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				r.Header.Set("X-Amz-Target", "a.b")
				return r
			}
			ours, sdk := mk(), mk()
			if err := Sign(ours, PayloadHash([]byte(tc.body)), Credentials{testAKID, testSecret, tc.token}, "us-east-1", "sts", now); err != nil {
				t.Fatal(err)
			}
			if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: tc.token}, sdk, PayloadHash([]byte(tc.body)), "sts", "us-east-1", now); err != nil {
				t.Fatal(err)
			}
			if g, w := ours.Header.Get("Authorization"), sdk.Header.Get("Authorization"); g != w {
				t.Fatalf("Authorization\n ours %s\n sdk  %s", g, w)
			}
			for _, h := range []string{"X-Amz-Date", "X-Amz-Security-Token"} {
				if ours.Header.Get(h) != sdk.Header.Get(h) {
					t.Fatalf("%s: %q vs %q", h, ours.Header.Get(h), sdk.Header.Get(h))
				}
			}
			if _, err := verifyRequest(ours, []byte(tc.body), testSecret, "sts", now); err != nil {
				t.Fatalf("%v (%s)", err, explanation(err))
			}
		})
	}
}

// TestPresignMatchesGoSDK: Presign's signature equals the Go SDK's for the
// same URL and headers, and verifies.
func TestPresignMatchesGoSDK(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 23, 34, 0, time.UTC)
	for _, token := range []string{"", testToken} {
		base := "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
		r, _ := http.NewRequest("GET", base, nil)
		r.Header.Set("x-k8s-aws-id", "demo-cluster")
		before := r.URL.String()
		u, hdr, err := Presign(r, Credentials{testAKID, testSecret, token}, "us-west-2", "sts", 60*time.Second, now)
		if err != nil {
			t.Fatal(err)
		}
		if r.URL.String() != before || r.Header.Get("X-Amz-Date") != "" {
			t.Fatal("Presign modified the request")
		}
		if hdr.Get("X-K8s-Aws-Id") != "demo-cluster" || len(hdr) != 1 {
			t.Fatalf("signed headers %v", hdr)
		}
		sdkReq, _ := http.NewRequest("GET", base+"&X-Amz-Expires=60", nil)
		sdkReq.Header.Set("x-k8s-aws-id", "demo-cluster")
		su, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: token}, sdkReq, EmptyPayloadHash, "sts", "us-west-2", now)
		if err != nil {
			t.Fatal(err)
		}
		pu, _ := url.Parse(u)
		ps, _ := url.Parse(su)
		if g, w := pu.Query().Get("X-Amz-Signature"), ps.Query().Get("X-Amz-Signature"); g != w || g == "" {
			t.Fatalf("signature %s, Go SDK %s\n%s\n%s", g, w, u, su)
		}
		if pu.Query().Get("X-Amz-Security-Token") != token {
			t.Fatalf("token in URL: %q", pu.Query().Get("X-Amz-Security-Token"))
		}
		req, _ := http.NewRequest("GET", u, nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		if _, err := verifyRequest(req, nil, testSecret, "sts", now); err != nil {
			t.Fatalf("%v (%s)", err, explanation(err))
		}
	}
}

func TestSignRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 23, 34, 0, time.UTC)
	for _, tc := range []struct{ method, url, body string }{
		{"GET", "https://sts.amazonaws.com", ""},
		{"GET", "https://sts.amazonaws.com:443/?Action=GetCallerIdentity", ""},
		{"GET", "http://localhost:80/a/./b/../c//d/?x=%zz&y=+&z=%2B", ""},
		{"DELETE", "http://[::1]:8080/clusters/%E2%9C%93/access-entries/arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr", ""},
		{"POST", "https://eks-auth.us-east-1.api.aws/clusters/c/assume-role-for-pod-identity", `{"token":"t"}`},
	} {
		r, _ := http.NewRequest(tc.method, tc.url, nil)
		r.Header.Set("content-type", "application/json") // non-canonical key
		r.Header["x-lower"] = []string{"a"}
		r.Header["X-Lower"] = []string{"b"}
		if err := Sign(r, PayloadHash([]byte(tc.body)), Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}, "us-east-1", "eks", now); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(r.Host, ":443") || strings.HasSuffix(r.Host, ":80") {
			t.Errorf("%s: default port kept in Host %q", tc.url, r.Host)
		}
		if _, err := verifyRequest(r, []byte(tc.body), testSecret, "eks", now); err != nil {
			t.Errorf("%s %s: %v (%s)", tc.method, tc.url, err, explanation(err))
		}
		pu, hdr, err := Presign(r, Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}, "us-east-1", "eks", time.Hour, now)
		if err != nil {
			t.Fatal(err)
		}
		pr, _ := http.NewRequest(tc.method, pu, nil)
		for k, v := range hdr {
			pr.Header[k] = v
		}
		if _, err := verifyRequest(pr, nil, testSecret, "eks", now); err != nil {
			t.Errorf("presigned %s %s: %v (%s)", tc.method, pu, err, explanation(err))
		}
	}
}

func TestSignErrors(t *testing.T) {
	now := time.Now()
	r, _ := http.NewRequest("GET", "https://sts.amazonaws.com/", nil)
	good := Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	for name, err := range map[string]error{
		"no key ID":        Sign(r, "", Credentials{SecretAccessKey: "s"}, "us-east-1", "sts", now),
		"no secret":        Sign(r, "", Credentials{AccessKeyID: "a"}, "us-east-1", "sts", now),
		"no region":        Sign(r, "", good, "", "sts", now),
		"slash in service": Sign(r, "", good, "us-east-1", "s/ts", now),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, exp := range []time.Duration{0, time.Millisecond, 1500 * time.Millisecond, MaxExpires + time.Second} {
		if _, _, err := Presign(r, good, "us-east-1", "sts", exp, now); err == nil {
			t.Errorf("Presign with expiry %v: no error", exp)
		}
	}
	if _, _, err := Presign(r, good, "us-east-1", "", time.Minute, now); err == nil {
		t.Error("Presign without service: no error")
	}
}

// TestSignRemovesStaleAuthentication: re-signing replaces Authorization
// and drops a session token the new credentials do not have.
func TestSignRemovesStaleAuthentication(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 23, 34, 0, time.UTC)
	r, _ := http.NewRequest("GET", "https://sts.amazonaws.com/", nil)
	Sign(r, "", Credentials{testAKID, testSecret, testToken}, "us-east-1", "sts", now)
	Sign(r, "", Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}, "us-east-1", "sts", now)
	if r.Header.Get("X-Amz-Security-Token") != "" || len(r.Header.Values("Authorization")) != 1 {
		t.Fatalf("headers %v", r.Header)
	}
	if _, err := verifyRequest(r, nil, testSecret, "sts", now); err != nil {
		t.Fatal(err)
	}
}
