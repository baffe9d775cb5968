package tokenreview

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func BenchmarkParseToken(b *testing.B) {
	tok := tokenFromURL(presignURL(userOneOpts()))
	allow := AllowedHosts(ownHost)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseToken(tok, cluster, allow, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	a := testAuthenticator(b, nil)
	tok := tokenFromURL(presignURL(userOneOpts()))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, cluster, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenReviewHandler measures a whole TokenReview: JSON in, token
// parse, SigV4 HMAC verification (fake in-memory store), mapping through
// the demo world's aws-auth ConfigMap, JSON out.
func BenchmarkTokenReviewHandler(b *testing.B) {
	h := testHandler(b)
	body, _ := json.Marshal(authnv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1, Kind: "TokenReview"},
		Spec:     authnv1.TokenReviewSpec{Token: tokenFromURL(presignURL(userOneOpts()))},
	})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authenticate", strings.NewReader(string(body))))
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"authenticated":true`) {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}
