package sts_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// countingProvider counts how often the SDK asks STS for credentials.
type countingProvider struct {
	inner aws.CredentialsProvider
	calls atomic.Int32
}

func (p *countingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.calls.Add(1)
	return p.inner.Retrieve(ctx)
}

// TestGoSDKAssumeRoleProvider runs seed 000's cross-account flow with the
// Go SDK v2: stscreds.AssumeRoleProvider behind aws.CredentialsCache
// assumes account B's role for account A's user, the role session calls
// GetCallerIdentity, and the cache refreshes the credentials when they
// enter the expiry window (DurationSeconds 900 with a window larger than
// that forces a refresh on every use without waiting 15 minutes). The
// same flow for a user without sts:AssumeRole fails with AccessDenied.
func TestGoSDKAssumeRoleProvider(t *testing.T) {
	s, _ := startCrossAccount(t)
	ctx := context.Background()
	client := func(c aws.CredentialsProvider) *sts.Client {
		return sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL), Credentials: c})
	}
	alice := key(s, t, "alice")
	base := client(credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, ""))
	p := &countingProvider{inner: stscreds.NewAssumeRoleProvider(base, adminRole, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "sdk-session"
		o.Duration = 15 * time.Minute
	})}
	cache := aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 20 * time.Minute })
	role := client(cache)

	var keys []string
	for i := 0; i < 2; i++ {
		id, err := role.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(id.Arn); got != "arn:aws:sts::222222222222:assumed-role/EKSAdminRole/sdk-session" {
			t.Fatalf("caller %s", got)
		}
		c, err := cache.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SessionToken == "" || !c.CanExpire {
			t.Fatalf("credentials %s can expire %v", c.AccessKeyID, c.CanExpire)
		}
		keys = append(keys, c.AccessKeyID)
	}
	if p.calls.Load() < 2 || keys[0] == keys[1] {
		t.Fatalf("no refresh: %d AssumeRole calls, keys %v", p.calls.Load(), keys)
	}

	// Without the expiry window the cache serves one set of credentials.
	p2 := &countingProvider{inner: stscreds.NewAssumeRoleProvider(base, adminRole)}
	cache2 := aws.NewCredentialsCache(p2)
	for i := 0; i < 3; i++ {
		if _, err := client(cache2).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
	}
	if p2.calls.Load() != 1 {
		t.Fatalf("%d AssumeRole calls, want 1 (cached)", p2.calls.Load())
	}

	// bob has no identity policy allowing sts:AssumeRole on the role.
	bob := key(s, t, "bob")
	denied := client(aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(
		client(credentials.NewStaticCredentialsProvider(bob.AccessKeyID, bob.SecretAccessKey, "")), adminRole)))
	_, err := denied.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), "is not authorized to perform: sts:AssumeRole") {
		t.Fatalf("bob: %v", err)
	}
}
