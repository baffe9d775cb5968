package iam

import (
	"context"
	"net/url"
	"testing"

	"github.com/trustbridge/trustbridge/internal/auth"
)

// BenchmarkGetRole measures GetRole through the whole Query path —
// awsquery.Service.Call: model validation, decoding, authorization by the
// policy engine, the cached role read and the result shape — with a warm
// cache, as the account root and as a user whose identity policy allows it.
func BenchmarkGetRole(b *testing.B) {
	e, _ := seed(b)
	e.root("CreateUser", "UserName", "reader")
	e.grant("reader", "read", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:role/svc/*"}]}`)
	a, err := e.q.Lookup("GetRole")
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {"app"}}
	for _, bc := range []struct {
		name   string
		caller *auth.Caller
	}{{"root", rootOf(acct)}, {"user", e.userCaller("reader")}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := auth.WithCaller(context.Background(), bc.caller)
			if _, err := e.q.Call(ctx, a, form); err != nil { // warm the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.q.Call(ctx, a, form); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
