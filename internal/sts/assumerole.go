package sts

import (
	"context"
	"strings"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
)

// AssumeRoleInput is AssumeRole's input.
type AssumeRoleInput struct {
	RoleArn           string
	RoleSessionName   string
	PolicyArns        []PolicyDescriptor
	Policy            *string
	DurationSeconds   *int32
	Tags              []Tag
	TransitiveTagKeys []string
	ExternalId        *string //nolint:revive // AWS member name
	SerialNumber      *string
	TokenCode         *string
	SourceIdentity    *string
	ProvidedContexts  []ProvidedContext
}

// AssumeRoleResult is AssumeRole's result.
type AssumeRoleResult struct {
	Credentials      Credentials
	AssumedRoleUser  AssumedRoleUser
	PackedPolicySize *int32 `xml:",omitempty"`
	SourceIdentity   string `xml:",omitempty"`
}

func (s *Service) assumeRole(ctx context.Context, in any) (any, error) {
	req := in.(*AssumeRoleInput)
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	params := audit.Sanitize(map[string][]string{"roleArn": {req.RoleArn}, "roleSessionName": {req.RoleSessionName}})
	deny := func(why string) error {
		msg := authz.DenialMessage(c.Principal.ARN, "sts:AssumeRole", req.RoleArn, nil, true)
		s.Authz.RecordExternal(ctx, &audit.Event{EventSource: "sts.amazonaws.com", EventName: "AssumeRole", SourceIPAddress: c.SourceIP,
			UserIdentity: authz.Identity(c), RequestParameters: params, ErrorCode: "AccessDenied",
			Decision: &audit.Decision{Decision: "ImplicitlyDenied", Action: "sts:AssumeRole", Resource: req.RoleArn, Summary: why}}, nil)
		return apierror.AccessDenied(msg).WithExplanation(why)
	}
	if c.IsRoot() {
		return nil, apierror.AccessDenied("Roles may not be assumed by root accounts.").WithExplanation("AWS does not let an account's root user assume roles; use an IAM user or role")
	}
	if req.SerialNumber != nil || req.TokenCode != nil {
		// trustbridge has no MFA devices, so no code can be valid; refusing
		// is safer than pretending aws:MultiFactorAuthPresent is true.
		return nil, apierror.AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.").WithExplanation("trustbridge does not emulate MFA devices")
	}
	if req.SourceIdentity != nil && strings.HasPrefix(strings.ToLower(*req.SourceIdentity), "aws:") {
		return nil, apierror.ValidationError("Source identity cannot start with the reserved prefix 'aws:'.")
	}
	role, lerr := s.lookupRole(ctx, req.RoleArn)
	if lerr != nil {
		return nil, deny(lerr.Error())
	}
	chained := c.Temporary && c.Principal.Type == policy.RoleSession
	dur, err := duration(req.DurationSeconds, role, chained)
	if err != nil {
		return nil, err
	}
	tags, transitive, err := sessionTags(c, req.Tags, req.TransitiveTagKeys)
	if err != nil {
		return nil, err
	}
	inline, arns, packed, err := s.sessionPolicies(ctx, req.Policy, req.PolicyArns, req.Tags)
	if err != nil {
		return nil, err
	}
	sourceIdentity := c.SourceIdentity
	if req.SourceIdentity != nil {
		if sourceIdentity != "" && sourceIdentity != *req.SourceIdentity {
			return nil, deny("the calling session's source identity " + sourceIdentity + " cannot be changed in a chained session")
		}
		sourceIdentity = *req.SourceIdentity
	}

	// The trust policy and the caller's own policies must allow
	// sts:AssumeRole, and sts:TagSession / sts:SetSourceIdentity when
	// tags or a source identity are passed.
	extra := func(pc *policy.Context) {
		pc.Set("sts:RoleSessionName", req.RoleSessionName)
		if req.ExternalId != nil {
			pc.Set("sts:ExternalId", *req.ExternalId)
		}
		if req.SourceIdentity != nil {
			pc.Set("sts:SourceIdentity", *req.SourceIdentity)
		}
		tagContext(pc, req.Tags, req.TransitiveTagKeys)
	}
	actions := []string{"sts:AssumeRole"}
	if len(req.Tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if req.SourceIdentity != nil {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, action := range actions {
		err := s.Authz.Authorize(ctx, c, authz.Request{
			Action: action, Resource: role.ARN, ResourceAccount: role.Account,
			ResourcePolicy: role.Trust, ResourceIsRoleTrust: true, Context: extra,
			Event: "AssumeRole", Service: "sts.amazonaws.com", Params: params, PlainMessage: true,
		})
		if err != nil {
			if e, ok := apierror.As(err); ok && e.Code == "AccessDenied" && action != "sts:AssumeRole" {
				// AWS names the requested action in the message.
				e2 := apierror.AccessDenied(authz.DenialMessage(c.Principal.ARN, action, role.ARN, nil, true)).WithExplanation(e.Explanation)
				return nil, e2
			}
			return nil, err
		}
	}

	now := s.now().UTC()
	sess := &sessiontoken.Session{
		Account: role.Account, Type: sessiontoken.TypeAssumeRole,
		PrincipalARN: arn.AssumedRole(s.partition(), role.Account, role.Name, req.RoleSessionName),
		RoleARN:      role.ARN, RoleID: role.RoleID, SessionName: req.RoleSessionName,
		IssuedAt: now, Expiration: now.Add(dur),
		SessionPolicy: inline, SessionPolicyARNs: arns,
		Tags: tags, TransitiveTagKeys: transitive, SourceIdentity: sourceIdentity,
		SourcePrincipalARN: c.Principal.ARN, SourceAccessKeyID: c.AccessKeyID,
	}
	if chained {
		sess.ChainDepth = c.ChainDepth + 1
	}
	creds, err := Issue(s.Ring, sess)
	if err != nil {
		return nil, err
	}
	return &AssumeRoleResult{
		Credentials:      creds,
		AssumedRoleUser:  AssumedRoleUser{AssumedRoleId: role.RoleID + ":" + req.RoleSessionName, Arn: sess.PrincipalARN},
		PackedPolicySize: packedPtr(packed, req.Policy != nil || len(req.PolicyArns) > 0 || len(req.Tags) > 0),
		SourceIdentity:   sourceIdentityIf(req.SourceIdentity),
	}, nil
}

func sourceIdentityIf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
