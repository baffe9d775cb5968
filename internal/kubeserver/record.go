package kubeserver

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
	"github.com/trustbridge/trustbridge/internal/k8s/tokenreview"
	"github.com/trustbridge/trustbridge/internal/metrics"
	"github.com/trustbridge/trustbridge/internal/store"
)

// Audit event names of the Kubernetes-facing decisions.
const (
	// TokenReviewEventSource and TokenReviewEvent name token
	// authentications in the audit stream.
	TokenReviewEventSource = "authentication.k8s.io"
	TokenReviewEvent       = "TokenReview"
	// TokenReviewAction is the decision's action in the audit record.
	TokenReviewAction = "kubernetes:Authenticate"
	// AccessReviewEventSource and AccessReviewEvent name access policy
	// authorizations in the audit stream.
	AccessReviewEventSource = "authorization.k8s.io"
	AccessReviewEvent       = "SubjectAccessReview"
)

// recorder logs, audits and keeps the decisions of the served cluster.
type recorder struct {
	cluster *store.Cluster
	audit   *audit.Log
	log     *slog.Logger
	// newID returns a request ID; awsid.NewRequestID unless a test sets it.
	newID func() string
	// metrics, if set, counts token and access reviews by result.
	metrics *metrics.Metrics
}

// tokenDecision records one TokenReview outcome and returns its request
// ID. Every outcome is logged (rejections at Warn with the reason) and
// written to the audit stream; a rejection of a token that got as far as
// naming an access key is also kept for `trustbridge explain`, readable
// by the caller's account and by the cluster's. Structurally broken
// tokens (anyone can send those) are not kept, so they cannot fill the
// store.
func (r *recorder) tokenDecision(ctx context.Context, d tokenreview.Decision, sourceIP string) string {
	id := r.newID()
	if r.metrics != nil {
		result := "authenticated"
		if !d.Authenticated {
			result = "rejected_" + string(d.Reason)
		}
		r.metrics.TokenReviews.WithLabelValues(result).Inc()
	}
	d.Log(ctx, r.log, slog.String("request_id", id))
	keep := !d.Authenticated && d.AccessKeyID != ""
	if r.audit == nil || (!keep && !r.audit.Writing()) {
		return id
	}
	ev := r.tokenEvent(d, id, sourceIP)
	r.audit.Write(ev)
	if !d.Authenticated && d.AccessKeyID != "" {
		r.audit.Keep(ctx, &audit.Record{Event: *ev, Text: tokenExplanation(d, r.cluster)})
	}
	return id
}

func (r *recorder) tokenEvent(d tokenreview.Decision, id, sourceIP string) *audit.Event {
	ev := &audit.Event{
		EventTime: d.Time.UTC(), EventSource: TokenReviewEventSource, EventName: TokenReviewEvent,
		AWSRegion: r.cluster.Region, SourceIPAddress: sourceIP, RequestID: id,
		UserIdentity:      identityOf(d),
		RequestParameters: map[string]any{"clusterName": d.Cluster},
		Decision:          &audit.Decision{Decision: "Allowed", Action: TokenReviewAction, Resource: r.cluster.ARN},
	}
	if d.Authenticated {
		ev.Decision.Summary = fmt.Sprintf("authenticated as %q with groups %v (%s %s)", d.User.Username, d.User.Groups, d.Source, d.Entry)
		return ev
	}
	ev.ErrorCode = "Unauthorized"
	ev.ErrorMessage = string(d.Reason) + ": " + d.Message
	ev.Decision.Decision = "ImplicitlyDenied"
	ev.Decision.Reason = string(d.Reason)
	ev.Decision.Summary = d.Message
	return ev
}

// identityOf describes the token's caller as far as it is known: its ARN
// once the signature verified, else the account its access key encodes.
func identityOf(d tokenreview.Decision) audit.UserIdentity {
	u := audit.UserIdentity{Type: "Unknown", ARN: d.ARN, AccessKeyID: d.AccessKeyID}
	if p, err := awsauth.ParsePrincipal(d.ARN); err == nil {
		u.AccountID = p.Account
		switch p.Kind {
		case awsauth.KindAssumedRole:
			u.Type = "AssumedRole"
		case awsauth.KindUser:
			u.Type = "IAMUser"
		case awsauth.KindRoot:
			u.Type = "Root"
		case awsauth.KindFederatedUser:
			u.Type = "FederatedUser"
		}
		if d.User != nil {
			u.PrincipalID = strings.TrimPrefix(d.User.UID, awsauth.UIDPrefix+u.AccountID+":")
		}
	} else if d.AccessKeyID != "" {
		if acct, err := awsid.AccountFromAccessKeyID(d.AccessKeyID); err == nil {
			u.AccountID = acct
		}
	}
	return u
}

// tokenExplanation is the human text `trustbridge explain` prints for a
// rejected token: what failed and what to do about it.
func tokenExplanation(d tokenreview.Decision, c *store.Cluster) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Kubernetes token for cluster %s (%s) rejected: %s\n", d.Cluster, c.ARN, d.Reason)
	if d.ARN != "" {
		fmt.Fprintf(&b, "caller: %s\n", d.ARN)
	}
	fmt.Fprintf(&b, "why: %s\n", d.Message)
	if hint := reasonHint(d, c); hint != "" {
		fmt.Fprintf(&b, "fix: %s\n", hint)
	}
	return b.String()
}

func reasonHint(d tokenreview.Decision, c *store.Cluster) string {
	switch d.Reason {
	case tokenreview.ReasonNotMapped:
		h := fmt.Sprintf("create an access entry (aws eks create-access-entry --cluster-name %s --principal-arn ARN, then aws eks associate-access-policy) ", c.Name)
		switch c.AuthenticationMode {
		case store.AuthModeAPI:
			return h + "— the cluster's authenticationMode is API, so the aws-auth ConfigMap is not consulted"
		case store.AuthModeConfigMap:
			return "add the user or role to the aws-auth ConfigMap (mapUsers or mapRoles) — the cluster's authenticationMode is CONFIG_MAP, so access entries are not consulted"
		}
		return h + "or add the user or role to the aws-auth ConfigMap (mapUsers or mapRoles)"
	case tokenreview.ReasonExpired, tokenreview.ReasonNotYetValid, tokenreview.ReasonDate:
		return "get a fresh token (kubectl does when the exec plugin's token expires); check the clocks of the client and the server"
	case tokenreview.ReasonSignature:
		return "the token was signed for another cluster name, with another secret, or modified; run get-token with --cluster-name " + c.Name
	case tokenreview.ReasonCredential:
		return "the access key is unknown, inactive or its session expired; check the credentials get-token uses (aws sts get-caller-identity against trustbridge)"
	case tokenreview.ReasonHost:
		return "sign the token for sts.REGION.amazonaws.com (do not point get-token's STS endpoint at a plain-HTTP trustbridge), or add the host with --token-host"
	}
	return ""
}

// accessDecision logs one SubjectAccessReview outcome and writes the ones
// an access policy decided (or failed to) to the audit stream. No-opinion
// answers — the common case, left to RBAC — are logged at Debug only.
func (r *recorder) accessDecision(d accesspolicy.Decision) {
	if r.metrics != nil {
		result := "no_opinion"
		switch {
		case d.Err != nil:
			result = "error"
		case d.Allowed:
			result = "allowed"
		}
		r.metrics.AccessReviews.WithLabelValues(result).Inc()
	}
	ctx := context.Background()
	level, msg := slog.LevelDebug, "access policy no opinion"
	switch {
	case d.Err != nil:
		level, msg = slog.LevelWarn, "access policy lookup failed"
	case d.Allowed:
		msg = "access policy allowed"
	}
	if r.log.Enabled(ctx, level) {
		attrs := []slog.Attr{slog.String("cluster", d.Cluster), slog.String("user", d.User), slog.String("request", d.Request), slog.String("reason", d.Reason)}
		if d.Err != nil {
			attrs = append(attrs, slog.String("err", d.Err.Error()))
		}
		r.log.LogAttrs(ctx, level, msg, attrs...)
	}
	if d.Err == nil && !d.Allowed {
		return
	}
	if !r.audit.Writing() {
		return
	}
	ev := &audit.Event{
		EventTime: d.Time.UTC(), EventSource: AccessReviewEventSource, EventName: AccessReviewEvent,
		AWSRegion: r.cluster.Region, RequestID: r.newID(),
		UserIdentity:      audit.UserIdentity{Type: "KubernetesUser", PrincipalID: d.User},
		RequestParameters: map[string]any{"clusterName": d.Cluster, "request": d.Request},
		Decision:          &audit.Decision{Decision: "Allowed", Action: "kubernetes:" + d.Request, Resource: r.cluster.ARN, Summary: d.Reason},
	}
	if d.Allowed {
		ev.Decision.Reason = d.Policy
	} else {
		ev.ErrorCode = "EvaluationError"
		ev.Decision.Decision = "NoOpinion"
	}
	r.audit.Write(ev)
}
