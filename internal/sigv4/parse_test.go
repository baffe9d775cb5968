package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

const goodAuthz = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func headerRequest(authz string, headers ...string) *http.Request {
	r, _ := http.NewRequest("POST", "https://sts.amazonaws.com/", nil)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func presignedRequest(query string) *http.Request {
	r, _ := http.NewRequest("GET", "https://sts.amazonaws.com/?"+query, nil)
	return r
}

const goodQuery = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=abcd"

func TestParseErrors(t *testing.T) {
	hashB64 := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return base64.StdEncoding.EncodeToString(sum[:])
	}
	date := []string{"X-Amz-Date", "20260101T000000Z"}
	tests := []struct {
		name     string
		req      *http.Request
		wantCode string
		wantMsg  string
	}{
		{"no authentication", headerRequest(""), "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"blank Authorization", headerRequest("   "), "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"only X-Amz-Date in query", presignedRequest("X-Amz-Date=20260101T000000Z&Action=GetCallerIdentity"), "MissingAuthenticationToken", "Request is missing Authentication Token"},
		{"algorithm only", headerRequest("AWS4-HMAC-SHA256", date...), "IncompleteSignature",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{"everything missing", headerRequest("allow"), "IncompleteSignature",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"no date header", headerRequest(goodAuthz), "IncompleteSignature",
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"signature missing", headerRequest("AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date", date...), "IncompleteSignature",
			"Authorization header requires 'Signature' parameter."},
		{"bearer token", headerRequest("Bearer eyJhbGciOiJIUzI1NiJ9", date...), "IncompleteSignature",
			"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + hashB64("Bearer eyJhbGciOiJIUzI1NiJ9") + "'."},
		{"unsupported algorithm", headerRequest(strings.Replace(goodAuthz, "SHA256", "SHA512", 1), date...), "IncompleteSignature",
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'. Only 'AWS4-HMAC-SHA256' is supported."},
		{"SigV2 style", headerRequest("AWS AKIAIOSFODNN7EXAMPLE:c2ln=", date...), "IncompleteSignature", ""},
		{"credential with 4 parts", headerRequest(strings.Replace(goodAuthz, "/aws4_request", "", 1), date...), "IncompleteSignature",
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts'"},
		{"host not signed", headerRequest(strings.Replace(goodAuthz, "content-type;host;", "content-type;", 1), date...), "IncompleteSignature",
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"date not signed", headerRequest(strings.Replace(goodAuthz, ";x-amz-date", "", 1), date...), "IncompleteSignature",
			"'X-Amz-Date' or 'Date' must be a 'SignedHeader' in the AWS Authorization."},
		{"Date header not signed", headerRequest(goodAuthz, "Date", "Thu, 01 Jan 2026 00:00:00 GMT"), "IncompleteSignature",
			"'X-Amz-Date' or 'Date' must be a 'SignedHeader' in the AWS Authorization."},
		{"empty signed header name", headerRequest(strings.Replace(goodAuthz, "content-type;host", "content-type;;host", 1), date...), "IncompleteSignature", "SignedHeaders has an empty header name."},
		{"extended date format", headerRequest(goodAuthz, "X-Amz-Date", "2026-01-01T00:00:00Z"), "IncompleteSignature",
			"Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"control characters are not echoed", headerRequest(goodAuthz, "X-Amz-Date", "2026\x01"), "IncompleteSignature",
			"Date must be in ISO-8601 'basic format'. Got '2026?'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"repeated parameter", headerRequest(goodAuthz+", Credential=X/20260101/us-east-1/iam/aws4_request", date...), "IncompleteSignature",
			"Authorization header has a repeated 'Credential' parameter."},
		{"two Authorization headers", headerRequest(goodAuthz, append([]string{"Authorization", goodAuthz}, date...)...), "IncompleteSignature", "Only one Authorization header is allowed."},
		{"header and query", func() *http.Request {
			r := presignedRequest(goodQuery)
			r.Header.Set("Authorization", goodAuthz)
			return r
		}(), "IncompleteSignature",
			"Only one authentication method is allowed: found both the Authorization header and X-Amz-* query-string parameters."},

		{"presigned: credential only", presignedRequest("X-Amz-Credential=a"), "IncompleteSignature",
			"AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"presigned: no date", presignedRequest(strings.Replace(goodQuery, "X-Amz-Date=20260101T000000Z&", "", 1)), "IncompleteSignature",
			"AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"presigned: algorithm", presignedRequest(strings.Replace(goodQuery, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1)), "IncompleteSignature",
			"Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'. Only 'AWS4-HMAC-SHA256' is supported."},
		{"presigned: expires not a number", presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires=6o", 1)), "IncompleteSignature", "X-Amz-Expires should be a number"},
		{"presigned: expires empty", presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires=", 1)), "IncompleteSignature", "X-Amz-Expires should be a number"},
		{"presigned: expires plus sign", presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires=%2B60", 1)), "IncompleteSignature", "X-Amz-Expires should be a number"},
		{"presigned: expires negative", presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires=-1", 1)), "IncompleteSignature", "X-Amz-Expires must be non-negative"},
		{"presigned: expires over a week", presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires=604801", 1)), "IncompleteSignature",
			"X-Amz-Expires must be less than a week (in seconds) that is; 604800"},
		{"presigned: expires overflow", presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires=99999999999999999999999", 1)), "IncompleteSignature",
			"X-Amz-Expires must be less than a week (in seconds) that is; 604800"},
		{"presigned: repeated signature", presignedRequest(goodQuery + "&X-Amz-Signature=ffff"), "IncompleteSignature", "Query-string parameter 'X-Amz-Signature' appears more than once."},
		{"presigned: repeated encoded name", presignedRequest(goodQuery + "&X-Amz-%43redential=x"), "IncompleteSignature", "Query-string parameter 'X-Amz-Credential' appears more than once."},
		{"presigned: host not signed", presignedRequest(strings.Replace(goodQuery, "host%3B", "", 1)), "IncompleteSignature",
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"presigned: bad date", presignedRequest(strings.Replace(goodQuery, "20260101T000000Z", "20260101", 1)), "IncompleteSignature",
			"Date must be in ISO-8601 'basic format'. Got '20260101'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"presigned: token header differs", func() *http.Request {
			r := presignedRequest(goodQuery + "&X-Amz-Security-Token=a")
			r.Header.Set("X-Amz-Security-Token", "b")
			return r
		}(), "IncompleteSignature", "The X-Amz-Security-Token header and query-string parameter differ."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.req)
			if errCode(err) != tt.wantCode || a != nil {
				t.Fatalf("Parse = %v, %v; want %s", a, err, tt.wantCode)
			}
			if tt.wantMsg != "" && errMessage(err) != tt.wantMsg {
				t.Fatalf("message\n got %q\nwant %q", errMessage(err), tt.wantMsg)
			}
			if strings.Contains(err.Error(), "0123456789abcdef0123") || strings.Contains(err.Error(), "abcd&") {
				t.Fatalf("error echoes the signature: %v", err)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	r := headerRequest(goodAuthz, "X-Amz-Date", "20260101T000000Z", "X-Amz-Security-Token", "tok", "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	want := Auth{Form: FormHeader, AccessKeyID: testAKID, Scope: Scope{"20260101", "us-east-1", "sts", "aws4_request"},
		SignedHeaders: []string{"content-type", "host", "x-amz-date"}, Signature: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), SecurityToken: "tok",
		signedHeaders: "content-type;host;x-amz-date", amzDate: "20260101T000000Z", contentSHA256: "UNSIGNED-PAYLOAD"}
	if a.String() != want.String() || a.Signature != want.Signature || !a.Time.Equal(want.Time) || a.contentSHA256 != want.contentSHA256 || a.SecurityToken != "tok" || len(a.SignedHeaders) != 3 {
		t.Fatalf("Parse = %#v", a)
	}
	// Extra spaces and unknown parameters are tolerated, as AWS does.
	r = headerRequest("  AWS4-HMAC-SHA256   Credential=A/20260101/us-east-1/sts/aws4_request ,SignedHeaders=host;date,  Signature=ab, Extra=1", "Date", "Thu, 01 Jan 2026 00:00:00 GMT")
	if a, err = Parse(r); err != nil || a.AccessKeyID != "A" || a.amzDate != "20260101T000000Z" || a.Signature != "ab" {
		t.Fatalf("Parse = %v, %v", a, err)
	}
	// botocore's Date format.
	r = headerRequest("AWS4-HMAC-SHA256 Credential=A/20261122/us-east-1/sts/aws4_request, SignedHeaders=date;host, Signature=ab", "Date", "Sun, 22 Nov 2026 21:23:34 -0000")
	if a, err = Parse(r); err != nil || a.amzDate != "20261122T212334Z" {
		t.Fatalf("Parse = %v, %v", a, err)
	}
}

func TestParsePresigned(t *testing.T) {
	a, err := Parse(presignedRequest(goodQuery + "&X-Amz-Security-Token=a%2Bb%2F%3D"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Form != FormPresigned || a.AccessKeyID != testAKID || a.Scope.Service != "sts" || a.Expires != time.Minute || !a.HasExpires ||
		a.SecurityToken != "a+b/=" || a.Signature != "abcd" || strings.Join(a.SignedHeaders, ",") != "host,x-k8s-aws-id" {
		t.Fatalf("Parse = %v", a)
	}
	for q, want := range map[string]time.Duration{"0": 0, "604800": MaxExpires, "900": 15 * time.Minute} {
		a, err := Parse(presignedRequest(strings.Replace(goodQuery, "Expires=60", "Expires="+q, 1)))
		if err != nil || a.Expires != want {
			t.Errorf("X-Amz-Expires=%s: %v, %v", q, a, err)
		}
	}
	a, err = Parse(presignedRequest(strings.Replace(goodQuery, "&X-Amz-Expires=60", "", 1)))
	if err != nil || a.HasExpires {
		t.Fatalf("without X-Amz-Expires: %v, %v", a, err)
	}
	// The token may come as a header.
	r := presignedRequest(goodQuery)
	r.Header.Set("X-Amz-Security-Token", "hdr")
	if a, err = Parse(r); err != nil || a.SecurityToken != "hdr" {
		t.Fatalf("token header: %v, %v", a, err)
	}
	r = presignedRequest(goodQuery + "&X-Amz-Security-Token=same")
	r.Header.Set("X-Amz-Security-Token", "same")
	if a, err = Parse(r); err != nil || a.SecurityToken != "same" {
		t.Fatalf("same token twice: %v, %v", a, err)
	}
}

func TestAuthStringOmitsSecrets(t *testing.T) {
	r := presignedRequest(goodQuery + "&X-Amz-Security-Token=SECRET-TOKEN")
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	a.Signature = "SECRET-SIGNATURE"
	for _, s := range []string{a.String(), a.GoString()} {
		if strings.Contains(s, "SECRET") || !strings.Contains(s, testAKID) {
			t.Fatalf("String() = %s", s)
		}
	}
	if (*Auth)(nil).String() == "" || Form(9).String() != "unknown" {
		t.Fatal("nil/unknown String")
	}
}
