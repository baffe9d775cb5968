package tokenreview

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
)

// A CallerIdentity is what a verified presigned GetCallerIdentity request
// identifies, in GetCallerIdentity's own terms.
type CallerIdentity struct {
	// Account is the 12-digit account ID.
	Account string
	// ARN is the caller ARN (an assumed-role ARN for role sessions).
	ARN string
	// UserID is GetCallerIdentity's UserId: "AIDA..." for users,
	// "AROA...:SESSION" for role sessions.
	UserID string
	// PrincipalARN is the IAM ARN of the user or role with its path, if
	// known; optional. It lets mappings that name a role's path match.
	PrincipalARN string
}

// A Verifier checks the SigV4 signature of a presigned GetCallerIdentity
// request against trustbridge's credential store, exactly as STS would
// when the request is sent: it re-creates the canonical request from
// req.Method, req.Host, req.Path, req.RawQuery (minus X-Amz-Signature) and
// req.Header (x-k8s-aws-id = the verifying cluster), derives the signing
// key for req.AccessKeyID (and req.SecurityToken for temporary
// credentials), and compares signatures in constant time. It must reject
// unknown, inactive or expired credentials. Its error text must not
// contain secrets; it is treated as the rejection reason.
type Verifier interface {
	VerifyPresigned(ctx context.Context, req *PresignedRequest) (*CallerIdentity, error)
}

// A Mapper maps a verified identity to a Kubernetes user of a cluster;
// *awsauth.Mapper is the implementation.
type Mapper interface {
	Map(ctx context.Context, cluster string, id *awsauth.Identity) (*awsauth.Mapping, error)
}

// UserInfo is an authenticated Kubernetes user.
type UserInfo struct {
	Username string
	UID      string
	Groups   []string
	Extra    map[string][]string
}

// A Decision records one authentication, successful or not, for logs and
// explain output. It never holds the token, signature or security token.
type Decision struct {
	Time          time.Time
	Cluster       string
	Authenticated bool
	// Reason classifies a rejection; empty on success.
	Reason Reason
	// Message explains a rejection (safe to log).
	Message string
	// ARN and AccessKeyID identify the caller once known.
	ARN         string
	AccessKeyID string
	// User is the mapped user on success.
	User *UserInfo
	// Source and Entry tell which mapping matched (awsauth.Mapping).
	Source string
	Entry  string
}

// An Authenticator turns k8s-aws-v1 tokens into Kubernetes users.
type Authenticator struct {
	// Verifier checks signatures. Required.
	Verifier Verifier
	// Mapper maps identities to users. Required.
	Mapper Mapper
	// AllowedHosts checks the presigned URL's host; see AllowedHosts.
	// Required.
	AllowedHosts func(host string) bool
	// Now returns the current time. If nil, time.Now is used.
	Now func() time.Time
	// OnDecision, if set, is called once per Authenticate with the
	// outcome. It must not block.
	OnDecision func(Decision)
}

// Authenticate verifies token for cluster and maps its identity. On
// failure the returned error is a *TokenError whose Message is safe to
// return to the apiserver.
func (a *Authenticator) Authenticate(ctx context.Context, cluster, token string) (*UserInfo, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	t := now()
	d := Decision{Time: t, Cluster: cluster}
	u, err := a.authenticate(ctx, cluster, token, t, &d)
	if err != nil {
		var te *TokenError
		if !errors.As(err, &te) {
			te = &TokenError{Reason: ReasonInternal, Message: "internal error"}
		}
		d.Reason, d.Message = te.Reason, te.Message
		if te.Detail != "" {
			d.Message += " (" + te.Detail + ")"
		}
		err = te
	} else {
		d.Authenticated, d.User = true, u
	}
	if a.OnDecision != nil {
		a.OnDecision(d)
	}
	return u, err
}

func (a *Authenticator) authenticate(ctx context.Context, cluster, token string, now time.Time, d *Decision) (*UserInfo, error) {
	req, err := ParseToken(token, cluster, a.AllowedHosts, now)
	if err != nil {
		return nil, err
	}
	d.AccessKeyID = req.AccessKeyID
	ci, err := a.Verifier.VerifyPresigned(ctx, req)
	if err != nil {
		return nil, verifierError(err)
	}
	id, err := awsauth.NewIdentity(ci.Account, ci.ARN, ci.UserID, req.AccessKeyID, ci.PrincipalARN)
	if err != nil {
		return nil, reject(ReasonInternal, "%s", err.Error())
	}
	d.ARN = id.ARN
	m, err := a.Mapper.Map(ctx, cluster, id)
	if err != nil {
		var nm *awsauth.NotMappedError
		switch {
		case errors.As(err, &nm):
			return nil, reject(ReasonNotMapped, "%s", err.Error())
		case errors.Is(err, awsauth.ErrUnknownCluster):
			return nil, reject(ReasonUnknownCluster, "cluster %q is not known to trustbridge", truncate(cluster))
		}
		return nil, reject(ReasonMapping, "mapping %s failed: %s", id.ARN, err.Error())
	}
	d.Source, d.Entry = m.Source, m.Entry
	return &UserInfo{Username: m.Username, UID: id.UID(), Groups: m.Groups, Extra: id.Extra()}, nil
}

// verifierError turns a Verifier error into a *TokenError: a *TokenError
// passes through; an *apierror.Error (what internal/sigv4 and credential
// lookups return) is classified by its code, described by its message,
// and carries trustbridge's explanation as Detail; anything else is a
// signature failure with the error's text.
func verifierError(err error) *TokenError {
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	if ae, ok := apierror.As(err); ok {
		te := &TokenError{Reason: ReasonSignature, Message: ae.Code + ": " + ae.Message, Detail: ae.Explanation}
		switch ae.Code {
		case "InvalidClientTokenId", "ExpiredToken", "UnrecognizedClientException":
			te.Reason = ReasonCredential
		case "SignatureDoesNotMatch":
			if strings.HasPrefix(ae.Message, "The request signature we calculated") {
				te.Message = "SignatureDoesNotMatch: the signature does not match (wrong secret key, a token made for another cluster, or a modified URL)"
			}
		case "InternalFailure":
			return &TokenError{Reason: ReasonInternal, Message: "internal error"}
		}
		return te
	}
	return reject(ReasonSignature, "signature verification failed: %s", err.Error())
}

// LogDecisions returns an OnDecision function that logs each decision to
// logger: successes at Info, rejections at Warn, with the reason.
func LogDecisions(logger *slog.Logger) func(Decision) {
	return func(d Decision) { d.Log(context.Background(), logger) }
}

// Log writes d as one line to logger — "token authenticated" at Info with
// the user, or "token rejected" at Warn with the reason — after the
// attributes first. Nothing is built when logger drops the level. The line
// names the access key ID and ARN, never the token.
func (d Decision) Log(ctx context.Context, logger *slog.Logger, first ...slog.Attr) {
	level, msg := slog.LevelInfo, "token authenticated"
	if !d.Authenticated {
		level, msg = slog.LevelWarn, "token rejected"
	}
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := append(first[:len(first):len(first)], slog.String("cluster", d.Cluster))
	if d.ARN != "" {
		attrs = append(attrs, slog.String("arn", d.ARN))
	}
	if d.AccessKeyID != "" {
		attrs = append(attrs, slog.String("accessKeyId", d.AccessKeyID))
	}
	if d.Authenticated {
		attrs = append(attrs, slog.String("username", d.User.Username), slog.Any("groups", d.User.Groups), slog.String("source", d.Source), slog.String("entry", d.Entry))
	} else {
		attrs = append(attrs, slog.String("reason", string(d.Reason)), slog.String("message", d.Message))
	}
	logger.LogAttrs(ctx, level, msg, attrs...)
}
