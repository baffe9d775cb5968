package sigv4

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// botocoreCase is one request for testdata/botocore_sign.py to sign.
type botocoreCase struct {
	Name           string      `json:"name"`
	Method         string      `json:"method"`
	URL            string      `json:"url"`
	Headers        [][2]string `json:"headers,omitempty"`
	Body           string      `json:"body,omitempty"`
	AccessKey      string      `json:"access_key"`
	SecretKey      string      `json:"secret_key"`
	Token          string      `json:"token,omitempty"`
	Region         string      `json:"region"`
	Service        string      `json:"service"`
	Time           string      `json:"time"`
	PresignExpires int         `json:"presign_expires,omitempty"`
}

func needPython(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs python3 with botocore")
	}
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skip("python3 with botocore is not available")
	}
}

// TestBotocore signs requests with botocore's SigV4Auth and SigV4QueryAuth,
// sends them with botocore's HTTP session to a test server and verifies
// what arrived.
func TestBotocore(t *testing.T) {
	needPython(t)
	rec := newRecorder(t, nil)
	base := rec.srv.URL
	ts := "20261122T212334Z"
	now, _ := time.Parse(TimeFormat, ts)
	form := [2]string{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}
	c := func(name, method, url, body, service string, headers ...[2]string) botocoreCase {
		return botocoreCase{Name: name, Method: method, URL: base + url, Body: body, Headers: headers,
			AccessKey: testAKID, SecretKey: testSecret, Region: "us-east-1", Service: service, Time: ts}
	}
	cases := []botocoreCase{
		c("sts-post", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", form),
		c("iam-post", "POST", "/", "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fteam%2F", "iam", form),
		c("empty-body", "POST", "/", "", "sts", form),
		c("large-body", "POST", "/", "Action=AssumeRole&Policy="+strings.Repeat("%7B%22a%22%3A1%7D", 3000), "sts", form),
		c("query-get", "GET", "/?Action=ListUsers&Version=2010-05-08&b=a%20b&a=2&a=1&c=~x&d=%2F&e=&f=%E2%9C%93&g=%2B", "", "iam"),
		c("eks-rest", "POST", "/clusters/demo-cluster/assume-role-for-pod-identity", `{"token":"eyJ.x.y"}`, "eks-auth", [2]string{"Content-Type", "application/json"}),
		c("path-escapes", "GET", "/clusters/a%20b/c%3Ad/e%2Ff/~g/%E2%9C%93", "", "eks"),
		c("path-dots", "GET", "/a/./b/../c//d/", "", "eks"),
		c("header-spaces", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", form, [2]string{"X-Amz-Meta-Test", "  a   b \t c  "}),
		// (Repeated headers are not tested here: botocore signs every value
		// but its HTTP session sends only the last.)
		c("date-header", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", form, [2]string{"Date", "Mon, 01 Jan 2001 00:00:00 GMT"}),
	}
	tok := c("session-token", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", form)
	tok.Token = testToken
	cases = append(cases, tok)
	region := c("other-region", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", form)
	region.Region = "eu-west-1"
	cases = append(cases, region)
	presign := c("presign-k8s", "GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "sts", [2]string{"x-k8s-aws-id", "demo-cluster"})
	presign.PresignExpires = 60
	cases = append(cases, presign)
	presignTok := presign
	presignTok.Name, presignTok.Token = "presign-token", testToken
	cases = append(cases, presignTok)
	presignPost := c("presign-post", "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts", form)
	presignPost.PresignExpires = 900
	cases = append(cases, presignPost)

	in, _ := json.Marshal(cases)
	cmd := exec.Command("python3", "testdata/botocore_sign.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		t.Fatalf("botocore_sign.py: %v\n%s", err, stderr.String())
	}
	got := rec.byCase()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			cr := got[tc.Name]
			if cr == nil {
				t.Fatal("request not received")
			}
			secret := tc.SecretKey
			a, err := verifyRequest(cr.req, cr.body, secret, tc.Service, now)
			if err != nil {
				t.Fatalf("verify %s %s: %v (%s)", cr.req.Method, cr.req.RequestURI, err, explanation(err))
			}
			wantForm := FormHeader
			if tc.PresignExpires > 0 {
				wantForm = FormPresigned
				if a.Expires != time.Duration(tc.PresignExpires)*time.Second {
					t.Errorf("Expires = %v", a.Expires)
				}
			}
			if a.Form != wantForm || a.AccessKeyID != testAKID || a.SecurityToken != tc.Token || a.Scope.Region != tc.Region || a.Scope.Service != tc.Service {
				t.Errorf("parsed %v", a)
			}
			// The same request with another secret must fail.
			if _, err := verifyRequest(cr.req, cr.body, testSecret+"x", tc.Service, now); errCode(err) != "SignatureDoesNotMatch" {
				t.Errorf("wrong secret: %v", err)
			}
		})
	}
}
