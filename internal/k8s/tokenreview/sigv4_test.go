package tokenreview

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// This file holds a small, independent, test-only SigV4 presigner laid out
// like botocore's, so tests can craft tokens with any field, and the
// in-memory credential store the tests verify against (through the
// product's SigV4Verifier and internal/sigv4).

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// testCred is one credential of the fake store.
type testCred struct {
	secret       string
	sessionToken string
	account      string
	arn          string
	userID       string
	principalARN string
}

// credMap is an in-memory CredentialLookup; the tests verify through the
// product's SigV4Verifier (internal/sigv4) with it.
type credMap map[string]testCred

func (m credMap) LookupCredential(_ context.Context, akid, sessionToken string, _ time.Time) (string, *CallerIdentity, error) {
	c, ok := m[akid]
	if !ok {
		return "", nil, apierror.InvalidClientTokenID().WithExplanation("unknown access key")
	}
	if (c.sessionToken != "") != (sessionToken != "") ||
		subtle.ConstantTimeCompare([]byte(c.sessionToken), []byte(sessionToken)) != 1 {
		return "", nil, apierror.InvalidClientTokenID().WithExplanation("session token does not belong to the access key")
	}
	return c.secret, &CallerIdentity{Account: c.account, ARN: c.arn, UserID: c.userID, PrincipalARN: c.principalARN}, nil
}

// awsEscape is SigV4's URI encoding: everything but A-Z a-z 0-9 - _ . ~.
func awsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		if k == "X-Amz-Signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, awsEscape(k)+"="+awsEscape(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

func canonicalRequest(method, host, path string, q url.Values, signed []string, cluster, payload string) string {
	var hdr strings.Builder
	for _, h := range signed {
		switch h {
		case "host":
			hdr.WriteString("host:" + strings.ToLower(host) + "\n")
		case ClusterIDHeader:
			hdr.WriteString(ClusterIDHeader + ":" + strings.TrimSpace(cluster) + "\n")
		}
	}
	return method + "\n" + path + "\n" + canonicalQuery(q) + "\n" + hdr.String() + "\n" + strings.Join(signed, ";") + "\n" + payload
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func sign(secret string, t time.Time, region, service, cr string) []byte {
	day := t.UTC().Format("20060102")
	scope := day + "/" + region + "/" + service + "/aws4_request"
	h := sha256.Sum256([]byte(cr))
	sts := "AWS4-HMAC-SHA256\n" + t.UTC().Format(amzDateFormat) + "\n" + scope + "\n" + hex.EncodeToString(h[:])
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "aws4_request")
	return hmacSHA256(k, sts)
}

// presignOpts describes a token to make.
type presignOpts struct {
	akid, secret, sessionToken string
	host, region, cluster      string
	date                       time.Time
	expires                    string
}

// presignURL returns a presigned GetCallerIdentity URL the way botocore
// lays it out (operation parameters, then auth parameters).
func presignURL(o presignOpts) string {
	if o.expires == "" {
		o.expires = "60"
	}
	day := o.date.UTC().Format("20060102")
	q := url.Values{
		"Action":              {"GetCallerIdentity"},
		"Version":             {"2011-06-15"},
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {o.akid + "/" + day + "/" + o.region + "/sts/aws4_request"},
		"X-Amz-Date":          {o.date.UTC().Format(amzDateFormat)},
		"X-Amz-Expires":       {o.expires},
		"X-Amz-SignedHeaders": {"host;x-k8s-aws-id"},
	}
	if o.sessionToken != "" {
		q.Set("X-Amz-Security-Token", o.sessionToken)
	}
	cr := canonicalRequest("GET", o.host, "/", q, []string{"host", ClusterIDHeader}, o.cluster, emptySHA256)
	sig := hex.EncodeToString(sign(o.secret, o.date, o.region, "sts", cr))
	return "https://" + o.host + "/?" + canonicalQuery(q) + "&X-Amz-Signature=" + sig
}

func tokenFromURL(u string) string {
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(u))
}
