package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
)

// FuzzSessionTokenOnTheEdge feeds modified session tokens through the
// whole request path that reads them: a GetCallerIdentity correctly signed
// with a role session's key ID and secret but carrying a fuzzed
// X-Amz-Security-Token. The only token that may authenticate is the one
// STS issued; everything else gets an AWS-shaped 4xx, never a 5xx, a hang
// or a crash.
func FuzzSessionTokenOnTheEdge(f *testing.F) {
	s := apptest.Start(f, apptest.Options{})
	ctx := context.Background()
	root := s.World.Accounts[0].Root
	client := sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.SecretAccessKey, "")})
	out, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		f.Fatal(err)
	}
	id, secret, token := aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)

	f.Add(token, 0, byte(0))
	f.Add(token, len(token)/2, byte('A'))
	f.Add(token, len(token)-1, byte('='))
	f.Add("", 0, byte(0))
	f.Add(strings.Repeat("A", 5000), 3, byte('/'))
	f.Add("%%%", 1, byte(0xff))

	h := s.App.Handler()
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	f.Fuzz(func(t *testing.T, tok string, pos int, b byte) {
		if len(tok) > 0 && b != 0 {
			if pos < 0 {
				pos = -pos
			}
			p := []byte(tok)
			p[pos%len(p)] = b
			tok = string(p)
		}
		if strings.ContainsAny(tok, "\r\n\x00") {
			return // not representable in an HTTP header
		}
		req := httptest.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: tok}
		if err := signer.SignHTTP(ctx, creds, req, payload, "sts", "us-west-2", time.Now()); err != nil {
			t.Skip(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp, _ := io.ReadAll(rec.Body)
		switch {
		case tok == token:
			if rec.Code != http.StatusOK {
				t.Fatalf("the issued token was refused: %d %s", rec.Code, resp)
			}
		case rec.Code == http.StatusOK:
			t.Fatalf("a modified session token authenticated: %q", tok)
		case rec.Code >= 500:
			t.Fatalf("status %d for token %q: %s", rec.Code, tok, resp)
		case !bytes.Contains(resp, []byte("<Code>")):
			t.Fatalf("answer is not an AWS error: %d %s", rec.Code, resp)
		}
	})
}
