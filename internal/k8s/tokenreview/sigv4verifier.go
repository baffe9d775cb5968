package tokenreview

import (
	"context"
	"time"

	"github.com/trustbridge/trustbridge/internal/sigv4"
)

// A CredentialLookup resolves the access key a token was signed with to
// its secret and to the caller identity GetCallerIdentity would report.
// sessionToken is X-Amz-Security-Token ("" for long-term keys): for
// temporary credentials the lookup must check it (and its expiry at now)
// exactly as STS would. Errors should be *apierror.Error
// (InvalidClientTokenId, ExpiredToken) and must not contain secrets.
type CredentialLookup interface {
	LookupCredential(ctx context.Context, accessKeyID, sessionToken string, now time.Time) (secret string, id *CallerIdentity, err error)
}

// SigV4Verifier is the Verifier built on internal/sigv4 and a credential
// lookup: it verifies the presigned GetCallerIdentity request exactly as
// STS does, locally.
type SigV4Verifier struct {
	// Credentials resolves access keys. Required.
	Credentials CredentialLookup
	// SigV4 verifies signatures. If nil, a zero sigv4.Verifier (AWS's
	// defaults, no key cache) is used; pass sigv4.NewVerifier() to cache
	// signing keys.
	SigV4 *sigv4.Verifier
}

// VerifyPresigned implements Verifier. It parses the request's SigV4
// query parameters, checks scope (service sts) and clock at req.Time,
// looks the credential up, and verifies the signature with x-k8s-aws-id
// set to the verifying cluster.
func (v *SigV4Verifier) VerifyPresigned(ctx context.Context, req *PresignedRequest) (*CallerIdentity, error) {
	sv := v.SigV4
	if sv == nil {
		sv = &sigv4.Verifier{}
	}
	r := req.HTTPRequest()
	a, err := sigv4.Parse(r)
	if err != nil {
		return nil, err
	}
	if err := sv.Check(a, "sts", req.Time); err != nil {
		return nil, err
	}
	secret, id, err := v.Credentials.LookupCredential(ctx, a.AccessKeyID, a.SecurityToken, req.Time)
	if err != nil {
		return nil, err
	}
	if err := sv.Verify(r, a, secret, ""); err != nil {
		return nil, err
	}
	return id, nil
}
