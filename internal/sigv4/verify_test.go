package sigv4

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, r *http.Request) *Auth {
	t.Helper()
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func authAt(t *testing.T, scope, amzDate string) *Auth {
	t.Helper()
	authz := "AWS4-HMAC-SHA256 Credential=" + testAKID + "/" + scope + ", SignedHeaders=host;x-amz-date, Signature=00"
	return mustParse(t, headerRequest(authz, "X-Amz-Date", amzDate))
}

func TestCheck(t *testing.T) {
	at := func(s string) time.Time { tm, _ := time.Parse(TimeFormat, s); return tm }
	tests := []struct {
		name, scope, amzDate, service string
		now                           time.Time
		v                             Verifier
		wantCode, wantMsg             string
	}{
		{name: "ok", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000000Z")},
		{name: "service not checked", scope: "20260101/us-east-1/anything/aws4_request", amzDate: "20260101T000000Z", now: at("20260101T000000Z")},
		{name: "terminator", scope: "20260101/us-east-1/sts/aws4_requestx", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requestx'. "},
		{name: "scope date", scope: "20260102/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260102' != '20260101', from '20260101T000000Z'."},
		{name: "region", scope: "20260101/US_EAST/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to a valid region, not 'US_EAST'. "},
		{name: "empty region", scope: "20260101//sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to a valid region, not ''. "},
		{name: "region not configured", scope: "20260101/eu-west-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000000Z"),
			v:        Verifier{ValidRegion: func(r string) bool { return r == "us-east-1" }},
			wantCode: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to a valid region, not 'eu-west-1'. "},
		{name: "service", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "iam", now: at("20260101T000000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to correct service: 'iam'. "},
		{name: "expired", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T003000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)"},
		{name: "not yet current", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T010000Z", service: "sts", now: at("20260101T003000Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Signature not yet current: 20260101T010000Z is still later than 20260101T004500Z (20260101T003000Z + 15 min.)"},
		{name: "exactly 15 minutes old", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T001500Z")},
		{name: "15 minutes and 1 second old", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T001501Z"),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T001501Z - 15 min.)"},
		{name: "exactly 15 minutes ahead", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T001500Z", service: "sts", now: at("20260101T000000Z")},
		{name: "custom skew", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000600Z"), v: Verifier{Skew: 5 * time.Minute},
			wantCode: "SignatureDoesNotMatch", wantMsg: "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z (20260101T000600Z - 5 min.)"},
		{name: "skew in seconds", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T000200Z"), v: Verifier{Skew: 90 * time.Second},
			wantCode: "SignatureDoesNotMatch", wantMsg: "Signature expired: 20260101T000000Z is now earlier than 20260101T000030Z (20260101T000200Z - 90 sec.)"},
		{name: "now in another zone", scope: "20260101/us-east-1/sts/aws4_request", amzDate: "20260101T000000Z", service: "sts", now: at("20260101T003000Z").In(time.FixedZone("x", 5*3600)),
			wantCode: "SignatureDoesNotMatch", wantMsg: "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := authAt(t, tt.scope, tt.amzDate)
			err := tt.v.Check(a, tt.service, tt.now)
			if errCode(err) != tt.wantCode || errMessage(err) != tt.wantMsg {
				t.Fatalf("Check = %v\nwant %s: %q", err, tt.wantCode, tt.wantMsg)
			}
			if err != nil && (mustAPIError(t, err).Status != 403) {
				t.Fatalf("status %d", mustAPIError(t, err).Status)
			}
		})
	}
	if err := (&Verifier{}).Check(&Auth{}, "", time.Now()); errCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("Check of a zero Auth: %v", err)
	}
}

func mustAPIError(t *testing.T, err error) struct{ Status int } {
	t.Helper()
	e, ok := apiErr(err)
	if !ok {
		t.Fatalf("%v is not an *apierror.Error", err)
	}
	return struct{ Status int }{e.HTTPStatus()}
}

// TestPresignedExpiry: by default (STS) a presigned request is honoured
// for 15 minutes whatever X-Amz-Expires says; with EnforceExpires the
// window is X-Amz-Date .. X-Amz-Date + X-Amz-Expires.
func TestPresignedExpiry(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := func(expires string) *Auth {
		return mustParse(t, presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires="+expires, 1)))
	}
	sts := Verifier{}
	enforce := Verifier{EnforceExpires: true}
	tests := []struct {
		name     string
		v        Verifier
		expires  string
		after    time.Duration
		wantCode string
	}{
		{"sts 60s, after 61s", sts, "60", 61 * time.Second, ""},
		{"sts 60s, after 15m", sts, "60", 15 * time.Minute, ""},
		{"sts 60s, after 16m", sts, "60", 16 * time.Minute, "SignatureDoesNotMatch"},
		{"sts 0s, after 10m", sts, "0", 10 * time.Minute, ""},
		{"sts 3600s, after 30m", sts, "3600", 30 * time.Minute, "SignatureDoesNotMatch"},
		{"enforce 60s, after 59s", enforce, "60", 59 * time.Second, ""},
		{"enforce 60s, after 61s", enforce, "60", 61 * time.Second, "AccessDenied"},
		{"enforce 3600s, after 30m", enforce, "3600", 30 * time.Minute, ""},
		{"enforce 3600s, 16m early", enforce, "3600", -16 * time.Minute, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.v.Check(req(tt.expires), "sts", t0.Add(tt.after))
			if errCode(err) != tt.wantCode {
				t.Fatalf("Check = %v, want %q", err, tt.wantCode)
			}
			if tt.wantCode == "AccessDenied" && errMessage(err) != "Request has expired" {
				t.Fatalf("message %q", errMessage(err))
			}
		})
	}
	// EnforceExpires does not affect the header form.
	a := authAt(t, "20260101/us-east-1/sts/aws4_request", "20260101T000000Z")
	if err := enforce.Check(a, "sts", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// TestAWSDocumentationVectors checks the worked examples of AWS's SigV4
// documentation and test suite.
func TestAWSDocumentationVectors(t *testing.T) {
	// IAM ListUsers, from "Examples of the complete Signature Version 4
	// signing process".
	key := SigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam")
	if got := hex.EncodeToString(key[:]); got != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Fatalf("signing key %s", got)
	}
	r, _ := http.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	a := mustParse(t, r)
	cr := canonicalRequest(r, "/", r.URL.RawQuery, false, a.SignedHeaders, a.signedHeaders, EmptyPayloadHash)
	wantCR := "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if cr != wantCR {
		t.Fatalf("canonical request\n%s\nwant\n%s", cr, wantCR)
	}
	if h := PayloadHash([]byte(cr)); h != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Fatalf("canonical request hash %s", h)
	}
	v := NewVerifier()
	if err := v.Verify(r, a, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""); err != nil {
		t.Fatal(err)
	}

	// get-vanilla from the aws-sig-v4-test-suite.
	r, _ = http.NewRequest("GET", "https://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	if err := v.Verify(r, mustParse(t, r), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""); err != nil {
		t.Fatal(err)
	}
}

// signedSTS returns a POST GetCallerIdentity signed by Sign, as a server
// receives it.
func signedSTS(t testing.TB, token string, now time.Time) (*http.Request, []byte) {
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	r, _ := http.NewRequest("POST", "https://sts.us-east-1.amazonaws.com/", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := Sign(r, PayloadHash(body), Credentials{testAKID, testSecret, token}, "us-east-1", "sts", now); err != nil {
		t.Fatal(err)
	}
	r.RequestURI = "/"
	return r, body
}

// TestVerifyRejectsTampering changes each signed part of a request.
func TestVerifyRejectsTampering(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		mutate   func(r *http.Request, body *[]byte)
		secret   string
		wantCode string
		wantExpl string
	}{
		{name: "untouched"},
		{name: "unsigned header added", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set("User-Agent", "x")
			r.Header.Set("X-Forwarded-For", "1.2.3.4")
		}},
		{name: "wrong secret", secret: "not-the-secret-access-key", wantCode: "SignatureDoesNotMatch", wantExpl: "signature does not match: canonical request SHA-256 "},
		{name: "method", mutate: func(r *http.Request, _ *[]byte) { r.Method = "PUT" }, wantCode: "SignatureDoesNotMatch"},
		{name: "path", mutate: func(r *http.Request, _ *[]byte) { r.RequestURI = "/x" }, wantCode: "SignatureDoesNotMatch"},
		{name: "query added", mutate: func(r *http.Request, _ *[]byte) { r.RequestURI = "/?a=b"; r.URL.RawQuery = "a=b" }, wantCode: "SignatureDoesNotMatch"},
		{name: "body", mutate: func(r *http.Request, b *[]byte) { *b = []byte("Action=AssumeRole&Version=2011-06-15") }, wantCode: "SignatureDoesNotMatch"},
		{name: "host", mutate: func(r *http.Request, _ *[]byte) { r.Host = "sts.amazonaws.com" }, wantCode: "SignatureDoesNotMatch"},
		{name: "host port", mutate: func(r *http.Request, _ *[]byte) { r.Host += ":443" }, wantCode: "SignatureDoesNotMatch"},
		{name: "signed header value", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("Content-Type", "application/json") }, wantCode: "SignatureDoesNotMatch"},
		{name: "signed header removed", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del("Content-Type") }, wantCode: "SignatureDoesNotMatch"},
		{name: "signed header repeated", mutate: func(r *http.Request, _ *[]byte) { r.Header.Add("Content-Type", "x") }, wantCode: "SignatureDoesNotMatch"},
		{name: "session token", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Security-Token", "other") }, wantCode: "SignatureDoesNotMatch"},
		{name: "date", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Date", "20261122T210001Z") }, wantCode: "SignatureDoesNotMatch"},
		{name: "signature upper case", mutate: func(r *http.Request, _ *[]byte) {
			h := r.Header.Get("Authorization")
			i := strings.Index(h, "Signature=") + 10
			r.Header.Set("Authorization", h[:i]+strings.ToUpper(h[i:]))
		}, wantCode: "SignatureDoesNotMatch"},
		{name: "signature truncated", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.TrimSuffix(r.Header.Get("Authorization"), r.Header.Get("Authorization")[len(r.Header.Get("Authorization"))-2:]))
		}, wantCode: "SignatureDoesNotMatch"},
		{name: "signed headers list changed", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;", "", 1))
		}, wantCode: "SignatureDoesNotMatch"},
		// The access key ID is not part of the signature (only the secret it
		// names is): the caller's lookup binds them.
		{name: "access key ID", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Credential=AKIA", "Credential=ASIA", 1))
		}},
		// An unsigned X-Amz-Content-Sha256 equal to the body's hash changes
		// nothing.
		{name: "content sha256 header matching", mutate: func(r *http.Request, b *[]byte) { r.Header.Set("X-Amz-Content-Sha256", PayloadHash(*b)) }},
		{name: "content sha256 header not matching body", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash) },
			wantCode: "SignatureDoesNotMatch", wantExpl: "X-Amz-Content-Sha256 does not match the SHA-256 of the request body"},
		{name: "unsigned payload in header form", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload) },
			wantCode: "SignatureDoesNotMatch", wantExpl: "X-Amz-Content-Sha256 is UNSIGNED-PAYLOAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := signedSTS(t, testToken, now)
			if tt.mutate != nil {
				tt.mutate(r, &body)
			}
			secret := testSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			_, err := verifyRequest(r, body, secret, "sts", now)
			if errCode(err) != tt.wantCode {
				t.Fatalf("verify = %v (%s), want %q", err, explanation(err), tt.wantCode)
			}
			if !strings.Contains(explanation(err), tt.wantExpl) {
				t.Fatalf("explanation %q, want %q", explanation(err), tt.wantExpl)
			}
			if err != nil {
				sig := r.Header.Get("Authorization")
				sig = sig[strings.Index(sig, "Signature=")+10:]
				for _, s := range []string{secret, testToken, sig[:16], strings.ToLower(sig[:16])} {
					if strings.Contains(err.Error()+explanation(err), s) {
						t.Fatalf("error leaks %q: %v / %s", s, err, explanation(err))
					}
				}
				if errMessage(err) != "" && strings.HasPrefix(tt.wantCode, "Signature") && tt.wantExpl == "" && errMessage(err) != "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details." {
					t.Fatalf("message %q", errMessage(err))
				}
			}
		})
	}
}

func TestVerifyUnsignedPayloadAllowed(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	r, _ := http.NewRequest("POST", "https://eks.us-east-1.amazonaws.com/clusters", nil)
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	if err := Sign(r, UnsignedPayload, Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}, "us-east-1", "eks", now); err != nil {
		t.Fatal(err)
	}
	a := mustParse(t, r)
	if err := (&Verifier{}).Verify(r, a, testSecret, PayloadHash([]byte("anything"))); errCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("default: %v", err)
	}
	if err := (&Verifier{AllowUnsignedPayload: true}).Verify(r, a, testSecret, PayloadHash([]byte("anything"))); err != nil {
		t.Fatalf("allowed: %v", err)
	}
}

func TestVerifyWithoutKeyCache(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	r, body := signedSTS(t, "", now)
	if err := (&Verifier{}).Verify(r, mustParse(t, r), testSecret, PayloadHash(body)); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyEmptySecret: a request signed with an empty secret never
// verifies, whatever the caller passes.
func TestVerifyEmptySecret(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	r, _ := http.NewRequest("GET", "https://sts.amazonaws.com/", nil)
	// Sign refuses an empty secret, so build the signature by hand.
	r.Header.Set("X-Amz-Date", now.Format(TimeFormat))
	scope := Scope{now.Format(DateFormat), "us-east-1", "sts", Terminator}
	sig := signature(r, "/", "", false, []string{"host", "x-amz-date"}, "host;x-amz-date", EmptyPayloadHash, "", now.Format(TimeFormat), scope)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=A/"+scope.String()+", SignedHeaders=host;x-amz-date, Signature="+sig)
	err := NewVerifier().Verify(r, mustParse(t, r), "", "")
	if errCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("empty secret: %v", err)
	}
}
