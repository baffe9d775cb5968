// Package authz decides whether an authenticated caller may perform an
// action on a resource, with the policy engine, from the caller's identity
// policies, permissions boundary and session policies (read through the
// storecache) plus an optional resource-based or trust policy. Every
// decision goes to the audit stream; every denial also keeps its full
// explanation for `trustbridge explain` and carries a one-line reason in
// the returned error's Explanation (shown to clients only with
// --explain-errors).
package authz

import (
	"context"
	"strconv"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/storecache"
)

// Authorizer decides requests. It is safe for concurrent use.
type Authorizer struct {
	Cache *storecache.Cache
	Audit *audit.Log
	// Partition of ARNs; default "aws".
	Partition string
	// OnDecision, if set, is called with the outcome of every decision
	// (Allowed, ExplicitlyDenied, ImplicitlyDenied), for metrics.
	OnDecision func(outcome string)
}

// A Request is what a handler asks to authorize.
type Request struct {
	// Action is the IAM action, e.g. "iam:GetRole".
	Action string
	// Resource is the resource ARN or "*".
	Resource string
	// ResourceAccount owns the resource; "" means the caller's account.
	ResourceAccount string
	// ResourcePolicy is the resource-based policy, if any.
	ResourcePolicy *policy.Policy
	// ResourceIsRoleTrust marks ResourcePolicy as a role trust policy.
	ResourceIsRoleTrust bool
	// Context adds request-specific condition keys (sts:ExternalId,
	// aws:RequestTag/..., ...) after the global ones.
	Context func(*policy.Context)
	// Event is the API action name for the audit event (e.g. "AssumeRole").
	Event string
	// Service is the API's host for the audit event (e.g. "sts.amazonaws.com").
	Service string
	// Params are the sanitized request parameters for the audit event.
	Params map[string]any
	// PlainMessage omits the "because ..." clause from the AccessDenied
	// message (STS's messages have none).
	PlainMessage bool
}

// allowAll is the implicit identity policy of an account's root user.
var allowAll = func() *policy.Policy {
	p := policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindIdentity)
	p.SetID("account root (full access to its account)")
	return p
}()

// GlobalContext fills the global condition keys for caller at time now.
func GlobalContext(c *policy.Context, caller *auth.Caller) {
	c.AddPrincipal(caller.Principal)
	now := caller.Time
	if now.IsZero() {
		now = time.Now()
	}
	c.Set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	c.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	if caller.SourceIP != "" {
		c.Set("aws:SourceIp", caller.SourceIP)
	}
	c.Set("aws:SecureTransport", strconv.FormatBool(caller.Secure))
	if caller.Region != "" {
		c.Set("aws:RequestedRegion", caller.Region)
	}
	c.Set("aws:PrincipalIsAWSService", "false")
	for k, v := range caller.PrincipalTags {
		c.Set("aws:PrincipalTag/"+k, v)
	}
	for _, t := range caller.SessionTags { // session tags override principal tags
		c.Set("aws:PrincipalTag/"+t.Key, t.Value)
	}
	if caller.Temporary {
		c.Set("aws:MultiFactorAuthPresent", strconv.FormatBool(caller.MFA))
		if !caller.IssuedAt.IsZero() {
			c.Set("aws:TokenIssueTime", caller.IssuedAt.UTC().Format(time.RFC3339))
		}
		if caller.FederatedProvider != "" {
			c.Set("aws:FederatedProvider", caller.FederatedProvider)
		}
	} else if caller.Principal.Type == policy.User || caller.Principal.Type == policy.Root {
		c.Set("aws:MultiFactorAuthPresent", "false")
	}
	if caller.SourceIdentity != "" {
		c.Set("aws:SourceIdentity", caller.SourceIdentity)
	}
	if caller.Principal.Account != "" {
		c.Set("aws:PrincipalAccount", caller.Principal.Account)
	}
}

// Input builds the policy engine input for caller and req.
func (a *Authorizer) Input(ctx context.Context, caller *auth.Caller, req *Request) (*policy.Input, error) {
	in := &policy.Input{Request: policy.Request{
		Principal: caller.Principal, Action: req.Action, Resource: req.Resource, ResourceAccount: req.ResourceAccount,
		Context: policy.NewContext(),
	}}
	GlobalContext(in.Context, caller)
	if req.Context != nil {
		req.Context(in.Context)
	}
	in.ResourcePolicy = req.ResourcePolicy
	in.ResourceIsRoleTrust = req.ResourceIsRoleTrust
	switch caller.Principal.Type {
	case policy.Root:
		in.IdentityPolicies = []*policy.Policy{allowAll}
	case policy.User:
		pp, err := a.Cache.PrincipalPolicies(ctx, store.Principal{Kind: store.KindUser, Account: caller.Principal.Account, Name: caller.UserName}, caller.BoundaryARN, caller.PrincipalTags)
		if err != nil {
			return nil, err
		}
		in.IdentityPolicies, in.PermissionsBoundary = pp.Identity, pp.Boundary
	case policy.RoleSession:
		pp, err := a.Cache.PrincipalPolicies(ctx, store.Principal{Kind: store.KindRole, Account: caller.Principal.Account, Name: caller.RoleName}, caller.BoundaryARN, caller.PrincipalTags)
		if err != nil {
			return nil, err
		}
		in.IdentityPolicies, in.PermissionsBoundary = pp.Identity, pp.Boundary
	}
	if caller.SessionPolicy != "" {
		p, err := policy.Parse(caller.SessionPolicy, policy.KindIdentity, 0)
		if err == nil {
			p.SetID("inline session policy")
			p.SetSourceType("Session Policy")
			in.SessionPolicies = append(in.SessionPolicies, p)
		}
	}
	for _, arn := range caller.SessionPolicyARNs {
		p, err := a.Cache.SessionPolicy(ctx, arn)
		if err != nil {
			// A session policy that has gone allows nothing.
			p = policy.MustParse(`{"Version":"2012-10-17","Statement":[]}`, policy.KindIdentity)
			p.SetID(arn + " (session policy, deleted)")
		}
		in.SessionPolicies = append(in.SessionPolicies, p)
	}
	return in, nil
}

// Authorize returns nil when caller may perform req, and AccessDenied (with
// AWS's message and trustbridge's reason in Explanation) when not. Errors
// reading the store are returned as they are.
func (a *Authorizer) Authorize(ctx context.Context, caller *auth.Caller, req Request) error {
	in, err := a.Input(ctx, caller, &req)
	if err != nil {
		return err
	}
	d := policy.Evaluate(in)
	if d == policy.Allowed {
		a.record(ctx, caller, &req, nil, "Allowed")
		return nil
	}
	res := policy.Explain(in)
	msg := DenialMessage(caller.Principal.ARN, req.Action, req.Resource, res, req.PlainMessage)
	e := apierror.AccessDenied(msg).WithExplanation(res.Summary() + " (trustbridge explain " + server.RequestID(ctx) + ")")
	a.record(ctx, caller, &req, res, e.Code)
	return e
}

// DenialMessage writes AWS's AccessDenied message for a denied request.
func DenialMessage(principalARN, action, resource string, res *policy.Result, plain bool) string {
	kind := "User"
	msg := kind + ": " + principalARN + " is not authorized to perform: " + action + " on resource: " + resource
	if plain || res == nil {
		return msg
	}
	if res.Decision == policy.ExplicitDeny {
		where := "an identity-based policy"
		if len(res.Decisive) > 0 {
			switch res.Decisive[0].Type {
			case "resource", "trust":
				where = "a resource-based policy"
			case "permissions-boundary":
				where = "a permissions boundary"
			case "session":
				where = "a session policy"
			case "scp":
				where = "a service control policy"
			case "rcp":
				where = "a resource control policy"
			}
		}
		return msg + " with an explicit deny in " + where
	}
	what := "identity-based policy"
	switch res.Reason {
	case "permissions-boundary-no-allow":
		what = "permissions boundary"
	case "session-policy-no-allow":
		what = "session policy"
	case "scp-no-allow":
		what = "service control policy"
	case "no-resource-policy-allow", "cross-account-no-resource-policy-allow", "trust-no-principal-match":
		what = "resource-based policy"
	}
	return msg + " because no " + what + " allows the " + action + " action"
}

// Identity returns the audit identity of a caller.
func Identity(c *auth.Caller) audit.UserIdentity {
	if c == nil {
		return audit.UserIdentity{Type: "Anonymous"}
	}
	typ := "IAMUser"
	switch c.Principal.Type {
	case policy.Root:
		typ = "Root"
	case policy.RoleSession:
		typ = "AssumedRole"
	case policy.WebIdentity:
		typ = "WebIdentityUser"
	}
	return audit.UserIdentity{Type: typ, PrincipalID: c.Principal.UserID, ARN: c.Principal.ARN, AccountID: c.Principal.Account, AccessKeyID: c.AccessKeyID, SessionName: c.SessionName}
}

func (a *Authorizer) record(ctx context.Context, caller *auth.Caller, req *Request, res *policy.Result, outcome string) {
	if a.OnDecision != nil {
		if res != nil {
			a.OnDecision(res.Decision.String())
		} else {
			a.OnDecision("Allowed")
		}
	}
	if a.Audit == nil || (res == nil && !a.Audit.Writing()) {
		return // an allowed request with no audit stream leaves nothing to record
	}
	ev := &audit.Event{
		EventTime: time.Now().UTC(), EventSource: req.Service, EventName: req.Event,
		SourceIPAddress: caller.SourceIP, AWSRegion: caller.Region, UserIdentity: Identity(caller),
		RequestParameters: req.Params, RequestID: server.RequestID(ctx),
		Decision: &audit.Decision{Decision: "Allowed", Action: req.Action, Resource: req.Resource},
	}
	if res != nil {
		ev.ErrorCode = outcome
		ev.Decision.Decision = res.Decision.String()
		ev.Decision.Reason = res.Reason
		ev.Decision.Summary = res.Summary()
	}
	a.Audit.Write(ev)
	if res != nil {
		a.Audit.Keep(ctx, &audit.Record{Event: *ev, Trace: res.JSON(), Text: res.Text()})
	}
}

// RecordExternal writes an audit event (and keeps the record) for a
// decision made outside Authorize — a trust policy evaluated for a web
// identity or a service principal. Denials are kept for `trustbridge
// explain`: with their policy trace when res is set, and with the event's
// decision summary alone when the request failed (ev.ErrorCode set) before
// any policy was evaluated.
func (a *Authorizer) RecordExternal(ctx context.Context, ev *audit.Event, res *policy.Result) {
	if a.OnDecision != nil && ev.Decision != nil {
		switch {
		case res != nil:
			a.OnDecision(res.Decision.String())
		case ev.Decision.Decision != "":
			a.OnDecision(ev.Decision.Decision)
		}
	}
	if a.Audit == nil {
		return
	}
	if ev.RequestID == "" {
		ev.RequestID = server.RequestID(ctx)
	}
	if ev.EventTime.IsZero() {
		ev.EventTime = time.Now().UTC()
	}
	if res != nil && ev.Decision != nil {
		ev.Decision.Decision = res.Decision.String()
		ev.Decision.Reason = res.Reason
		ev.Decision.Summary = res.Summary()
	}
	a.Audit.Write(ev)
	switch {
	case res != nil && res.Decision != policy.Allowed:
		a.Audit.Keep(ctx, &audit.Record{Event: *ev, Trace: res.JSON(), Text: res.Text()})
	case res == nil && ev.ErrorCode != "":
		// A denial decided before any policy was evaluated (a rejected
		// web identity token, an unknown provider): the summary is the
		// whole explanation, and `trustbridge explain` must find it.
		a.Audit.Keep(ctx, &audit.Record{Event: *ev})
	}
}
