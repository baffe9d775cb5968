package auth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// Authenticator verifies SigV4-signed requests against trustbridge's
// credentials. It is safe for concurrent use.
type Authenticator struct {
	Cache *storecache.Cache
	Ring  *serverkey.Ring
	// Verifier holds the signing-key cache.
	Verifier *sigv4.Verifier
	// Partition of ARNs; default "aws".
	Partition string
	// Now; default time.Now.
	Now func() time.Time
	// TrustProxyHeaders takes the client address from X-Forwarded-For.
	TrustProxyHeaders bool
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Authenticate implements server.Authenticator: it verifies r (whose body
// was already read) for service and returns ctx carrying the Caller.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error) {
	c, err := a.Verify(ctx, r, body, service)
	if err != nil {
		return ctx, err
	}
	return WithCaller(ctx, c), nil
}

// Verify verifies r and returns its caller.
func (a *Authenticator) Verify(ctx context.Context, r *http.Request, body []byte, service string) (*Caller, error) {
	now := a.now()
	sig, err := sigv4.Parse(r)
	if err != nil {
		return nil, err
	}
	if err := a.Verifier.Check(sig, service, now); err != nil {
		return nil, err
	}
	payloadHash := sigv4.PayloadHash(body)
	c, secret, err := a.resolve(ctx, sig.AccessKeyID, sig.SecurityToken, now)
	if err != nil {
		return nil, err
	}
	if err := a.Verifier.Verify(r, sig, secret, payloadHash); err != nil {
		return nil, err
	}
	c.AccessKeyID = sig.AccessKeyID
	c.Region = sig.Scope.Region
	c.Time = now
	c.SourceIP = clientIP(r, a.TrustProxyHeaders)
	c.Secure = r.TLS != nil
	return c, nil
}

// Resolve returns the caller and secret of an access key (and session
// token, for temporary keys). Cluster-access token verification uses it too.
func (a *Authenticator) Resolve(ctx context.Context, accessKeyID, securityToken string) (*Caller, string, error) {
	return a.resolve(ctx, accessKeyID, securityToken, a.now())
}

func (a *Authenticator) resolve(ctx context.Context, accessKeyID, securityToken string, now time.Time) (*Caller, string, error) {
	if awsid.IsTemporaryAccessKeyID(accessKeyID) || securityToken != "" {
		if securityToken == "" {
			return nil, "", apierror.InvalidClientTokenID().WithExplanation("temporary access key " + accessKeyID + " was used without its session token")
		}
		sess, err := sessiontoken.Verify(a.Ring, securityToken, accessKeyID, now)
		if err != nil {
			return nil, "", sessiontoken.APIError(err)
		}
		c, err := a.sessionCaller(ctx, sess)
		if err != nil {
			return nil, "", err
		}
		return c, sess.SecretAccessKey, nil
	}
	k, err := a.Cache.AccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", apierror.InvalidClientTokenID().WithExplanation("access key " + accessKeyID + " does not exist")
	}
	if err != nil {
		return nil, "", err
	}
	if k.Status != store.StatusActive {
		return nil, "", apierror.InvalidClientTokenID().WithExplanation("access key " + accessKeyID + " is inactive")
	}
	c := &Caller{}
	if k.User == nil {
		c.Principal = policy.Principal{Type: policy.Root, ARN: arn.Root(a.Partition, k.Account), Account: k.Account, UserID: k.Account}
	} else {
		u := k.User
		c.Principal = policy.Principal{Type: policy.User, ARN: arn.User(a.Partition, u.Account, u.Path, u.Name), Account: u.Account, UserID: u.UserID, UserName: u.Name}
		c.UserName, c.UserPath, c.PrincipalTags, c.BoundaryARN = u.Name, u.Path, u.Tags, u.PermissionsBoundaryARN
	}
	return c, k.Secret, nil
}

// sessionCaller builds the caller of a verified session token. The role
// (or user) is read through the cache only for its current tags and
// boundary; the session itself needs no store read.
func (a *Authenticator) sessionCaller(ctx context.Context, s *sessiontoken.Session) (*Caller, error) {
	c := &Caller{
		Temporary: true, SessionType: string(s.Type), SessionName: s.SessionName,
		SessionPolicy: s.SessionPolicy, SessionPolicyARNs: s.SessionPolicyARNs,
		TransitiveTagKeys: s.TransitiveTagKeys, SourceIdentity: s.SourceIdentity, ChainDepth: s.ChainDepth,
		MFA: s.MFAAuthenticated, IssuedAt: s.IssuedAt, Expiration: s.Expiration, FederatedProvider: s.FederatedProvider,
	}
	for _, t := range s.Tags {
		c.SessionTags = append(c.SessionTags, Tag{Key: t.Key, Value: t.Value})
	}
	if s.Type.IsRoleSession() {
		acct, path, name, err := arn.IAMResource(s.RoleARN, "role")
		if err != nil {
			return nil, apierror.InvalidClientTokenID().WithExplanation("session token names no role")
		}
		c.RoleName, c.RolePath, c.RoleID = name, path, s.RoleID
		c.Principal = policy.Principal{Type: policy.RoleSession, ARN: s.PrincipalARN, Account: acct, RoleARN: s.RoleARN, UserID: s.UserIDForCaller()}
		if r, err := a.Cache.Role(ctx, a.Partition, acct, name); err == nil && r.RoleID == s.RoleID {
			c.PrincipalTags, c.BoundaryARN = r.Tags, r.PermissionsBoundaryARN
		} else if err == nil || errors.Is(err, store.ErrNotFound) {
			// The role was deleted (or replaced by a namesake): its sessions
			// keep authenticating, as in AWS, but have no permissions left.
			c.RoleName = ""
		} else {
			return nil, err
		}
		return c, nil
	}
	// GetSessionToken: the user (or root) itself.
	if strings.HasSuffix(s.PrincipalARN, ":root") {
		c.Principal = policy.Principal{Type: policy.Root, ARN: s.PrincipalARN, Account: s.Account, UserID: s.Account}
		return c, nil
	}
	acct, path, name, err := arn.IAMResource(s.PrincipalARN, "user")
	if err != nil {
		return nil, apierror.InvalidClientTokenID().WithExplanation("session token names no user")
	}
	c.Principal = policy.Principal{Type: policy.User, ARN: s.PrincipalARN, Account: acct, UserID: s.UserID, UserName: name}
	c.UserName, c.UserPath = name, path
	if u, err := a.Cache.User(ctx, acct, name); err == nil {
		c.PrincipalTags, c.BoundaryARN = u.Tags, u.PermissionsBoundaryARN
	}
	return c, nil
}

// clientIP returns the client's IP address.
func clientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			ip, _, _ := strings.Cut(f, ",")
			return strings.TrimSpace(ip)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
