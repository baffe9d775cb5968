package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func hashOf(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// TestGoSDKSigner signs requests with the Go SDK v2's signer, sends them
// over HTTP and verifies what the server received.
func TestGoSDKSigner(t *testing.T) {
	rec := newRecorder(t, nil)
	signer := v4.NewSigner()
	now := time.Date(2026, 11, 22, 21, 23, 34, 0, time.UTC)
	type tc struct {
		name, method, path, body, service, region, token string
		headers                                          [][2]string
		contentLength                                    bool
	}
	form := [2]string{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}
	cases := []tc{
		{name: "sts-post", method: "POST", path: "/", body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts", headers: [][2]string{form}},
		{name: "content-length-signed", method: "POST", path: "/", body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts", headers: [][2]string{form}, contentLength: true},
		{name: "token", method: "POST", path: "/", body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts", token: testToken, headers: [][2]string{form}},
		{name: "query", method: "GET", path: "/?Action=ListUsers&Version=2010-05-08&b=a%20b&a=2&a=1&c=~x&d=%2F&e=&f=%E2%9C%93&g=a+b&h", service: "iam"},
		{name: "rest-path", method: "GET", path: "/clusters/a%20b/c%3Ad/~g/%E2%9C%93?maxResults=10&nextToken=a%2Fb%3D", service: "eks", region: "eu-west-3"},
		{name: "repeated-header", method: "POST", path: "/", body: "x", service: "sts", headers: [][2]string{{"X-Amz-Multi", "one"}, {"X-Amz-Multi", "  two   words "}}},
		{name: "double-slash-path", method: "GET", path: "/a//b", service: "eks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.region == "" {
				c.region = "us-east-1"
			}
			req, err := http.NewRequest(c.method, rec.srv.URL+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if !c.contentLength {
				req.ContentLength = 0 // otherwise the SDK signs content-length
				if c.body != "" {
					req.Header.Set("X-Unused", "x")
				}
			}
			for _, h := range c.headers {
				req.Header.Add(h[0], h[1])
			}
			req.Header.Set("X-Test-Case", c.name)
			creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: c.token}
			if err := signer.SignHTTP(context.Background(), creds, req, hashOf(c.body), c.service, c.region, now); err != nil {
				t.Fatal(err)
			}
			if !c.contentLength {
				req.ContentLength = int64(len(c.body))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cr := rec.byCase()[c.name]
			if cr == nil {
				t.Fatal("not received")
			}
			if c.contentLength && !strings.Contains(req.Header.Get("Authorization"), "content-length") {
				t.Fatal("the SDK did not sign content-length")
			}
			if _, err := verifyRequest(cr.req, cr.body, testSecret, c.service, now); err != nil {
				t.Fatalf("%v (%s)", err, explanation(err))
			}
		})
	}
}

// TestGoSDKPresign verifies URLs presigned by the Go SDK's signer (the way
// aws-iam-authenticator builds k8s-aws-v1 tokens).
func TestGoSDKPresign(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 23, 34, 0, time.UTC)
	for _, token := range []string{"", testToken} {
		req, _ := http.NewRequest("GET", "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		req.Header.Set("x-k8s-aws-id", "demo-cluster")
		creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: token}
		u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, EmptyPayloadHash, "sts", "us-west-2", now)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := http.NewRequest("GET", u, nil)
		for k, vs := range hdr {
			if !strings.EqualFold(k, "host") {
				got.Header[k] = vs
			}
		}
		a, err := verifyRequest(got, nil, testSecret, "sts", now.Add(14*time.Minute))
		if err != nil {
			t.Fatalf("token %q: %v (%s)", token, err, explanation(err))
		}
		if a.SecurityToken != token || a.Form != FormPresigned {
			t.Fatalf("parsed %v", a)
		}
		// The cluster name is signed.
		got.Header.Set("x-k8s-aws-id", "other-cluster")
		if _, err := verifyRequest(got, nil, testSecret, "sts", now); errCode(err) != "SignatureDoesNotMatch" {
			t.Fatalf("other cluster: %v", err)
		}
	}
}

// queryError answers every Query request with an AWS error, which the SDK
// does not retry; the tests only need the request.
func queryError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(400)
	fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Captured</Code><Message>captured</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
}

func restError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", "InvalidParameterException")
	w.WriteHeader(400)
	fmt.Fprint(w, `{"message":"captured"}`)
}

// TestGoSDKClients drives the real STS, IAM and EKS clients of the Go SDK
// v2 (all their middleware: invocation IDs, retries headers, user agent,
// query and REST serialisation) against a recording server and verifies
// every request.
func TestGoSDKClients(t *testing.T) {
	ctx := context.Background()
	queryRec := newRecorder(t, queryError)
	restRec := newRecorder(t, restError)
	for _, token := range []string{"", testToken} {
		cfg := aws.Config{
			Region:           "us-west-2",
			Credentials:      credentials.NewStaticCredentialsProvider(testAKID, testSecret, token),
			RetryMaxAttempts: 1,
		}
		stsc := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(queryRec.srv.URL) })
		iamc := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(queryRec.srv.URL); o.Region = "us-east-1" })
		eksc := eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(restRec.srv.URL) })
		_, _ = stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		_, _ = stsc.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn:         aws.String("arn:aws:iam::123456789012:role/path/r"),
			RoleSessionName: aws.String("s@x.y=z,+"),
			Policy:          aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`),
			Tags:            []ststypes.Tag{{Key: aws.String("team name"), Value: aws.String("a/b c~ü")}},
		})
		_, _ = iamc.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/a b/")})
		_, _ = eksc.ListClusters(ctx, &eks.ListClustersInput{MaxResults: aws.Int32(5), NextToken: aws.String("a/b=c+d")})
		_, _ = eksc.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("demo-cluster")})
		_, _ = eksc.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String("arn:aws:iam::123456789012:role/r"), KubernetesGroups: []string{"g"}})
	}
	all := append(queryRec.all(), restRec.all()...)
	if len(all) != 12 {
		t.Fatalf("captured %d requests, want 12", len(all))
	}
	for _, c := range all {
		a, err := Parse(c.req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.req.Method, c.req.RequestURI, err)
		}
		if _, err := verifyRequest(c.req, c.body, testSecret, a.Scope.Service, c.at); err != nil {
			t.Errorf("%s %s (%s): %v (%s)", c.req.Method, c.req.RequestURI, a.signedHeaders, err, explanation(err))
		}
	}
}

// TestGoSDKPresignClient verifies sts.PresignClient's GetCallerIdentity
// with the x-k8s-aws-id header, as aws-iam-authenticator's v2 token
// generator builds it.
func TestGoSDKPresignClient(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(testAKID, testSecret, testToken)}
	pc := sts.NewPresignClient(sts.NewFromConfig(cfg))
	p, err := pc.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, sts.WithAPIOptions(smithyhttp.AddHeaderValue("x-k8s-aws-id", "demo-cluster")))
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(p.Method, p.URL, nil)
	req.Header.Set("x-k8s-aws-id", "demo-cluster")
	a, err := verifyRequest(req, nil, testSecret, "sts", time.Now())
	if err != nil {
		t.Fatalf("%s: %v (%s)", p.URL[:strings.Index(p.URL, "?")], err, explanation(err))
	}
	if !a.signs("x-k8s-aws-id") || a.SecurityToken != testToken {
		t.Fatalf("parsed %v", a)
	}
}
