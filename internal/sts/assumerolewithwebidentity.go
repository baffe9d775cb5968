package sts

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/sessiontoken"
	"github.com/trustbridge/trustbridge/internal/store"
)

// AssumeRoleWithWebIdentityInput is AssumeRoleWithWebIdentity's input.
type AssumeRoleWithWebIdentityInput struct {
	RoleArn          string
	RoleSessionName  string
	WebIdentityToken string
	ProviderId       *string //nolint:revive // AWS member name
	PolicyArns       []PolicyDescriptor
	Policy           *string
	DurationSeconds  *int32
}

// AssumeRoleWithWebIdentityResult is AssumeRoleWithWebIdentity's result.
type AssumeRoleWithWebIdentityResult struct {
	Credentials                 Credentials
	SubjectFromWebIdentityToken string
	AssumedRoleUser             AssumedRoleUser
	PackedPolicySize            *int32 `xml:",omitempty"`
	Provider                    string
	Audience                    string
	SourceIdentity              string `xml:",omitempty"`
}

const notAuthorizedWebIdentity = "Not authorized to perform sts:AssumeRoleWithWebIdentity"

// assumeRoleWithWebIdentity is unsigned: the web identity token is the
// credential. The provider is looked up in the role's account by the
// token's issuer; the token is verified with the issuer's keys; then the
// role's trust policy alone decides.
func (s *Service) assumeRoleWithWebIdentity(ctx context.Context, in any) (any, error) {
	req := in.(*AssumeRoleWithWebIdentityInput)
	params := audit.Sanitize(map[string][]string{"roleArn": {req.RoleArn}, "roleSessionName": {req.RoleSessionName}, "WebIdentityToken": {"x"}})
	ev := &audit.Event{EventSource: "sts.amazonaws.com", EventName: "AssumeRoleWithWebIdentity", RequestParameters: params,
		UserIdentity: audit.UserIdentity{Type: "WebIdentityUser"},
		Decision:     &audit.Decision{Action: "sts:AssumeRoleWithWebIdentity", Resource: req.RoleArn}}
	fail := func(err error) error {
		if e, ok := apierror.As(err); ok {
			ev.ErrorCode = e.Code
			ev.Decision.Decision = "ImplicitlyDenied"
			ev.Decision.Summary = e.Explanation
		}
		s.Authz.RecordExternal(ctx, ev, nil)
		return err
	}
	roleAcct, _, _, aerr := arn.IAMResource(req.RoleArn, "role")
	if aerr != nil {
		return nil, fail(apierror.ValidationError("Request ARN is invalid").WithExplanation(req.RoleArn + " is not a role ARN"))
	}
	var provider *store.OIDCProvider
	claims, err := s.OIDC.VerifyWith(ctx, req.WebIdentityToken, func(issuer string) (*oidc.Provider, error) {
		key := arn.ProviderKey(issuer)
		p, err := s.Cache.OIDCProvider(ctx, roleAcct, key)
		if errors.Is(err, store.ErrNotFound) {
			return nil, (&apierror.Error{Code: "InvalidIdentityToken", Message: "No OpenIDConnect provider found in your account for " + issuer, Status: 400}).
				WithExplanation("account " + roleAcct + " (the role's account) has no IAM OIDC provider for issuer " + issuer + "; create one with aws iam create-open-id-connect-provider --url " + issuer)
		}
		if err != nil {
			return nil, err
		}
		provider = p
		return &oidc.Provider{URL: p.URL, ARN: arn.OIDCProvider(s.partition(), p.Account, p.URL), ClientIDs: p.ClientIDs, Thumbprints: p.Thumbprints, CABundle: []byte(p.CABundle)}, nil
	})
	if err != nil {
		return nil, fail(err)
	}
	providerARN := arn.OIDCProvider(s.partition(), provider.Account, provider.URL)
	ev.UserIdentity.PrincipalID = providerARN + ":" + claims.MatchedAudience + ":" + claims.Subject
	ev.UserIdentity.AccountID = provider.Account

	role, lerr := s.lookupRole(ctx, req.RoleArn)
	if lerr != nil {
		return nil, fail(apierror.AccessDenied(notAuthorizedWebIdentity).WithExplanation(lerr.Error()))
	}
	dur, err := duration(req.DurationSeconds, role, false)
	if err != nil {
		return nil, fail(err)
	}
	var reqTags []Tag
	var transitive []string
	if claims.Tags != nil {
		for k, v := range claims.Tags.PrincipalTags {
			if len(v) != 1 {
				return nil, fail((&apierror.Error{Code: "InvalidIdentityToken", Message: "The session tags in the web identity token are invalid.", Status: 400}).WithExplanation("tag " + k + " must have exactly one value"))
			}
			reqTags = append(reqTags, Tag{Key: k, Value: v[0]})
		}
		transitive = claims.Tags.TransitiveTagKeys
	}
	tags, transitiveKeys, err := sessionTags(nil, reqTags, transitive)
	if err != nil {
		return nil, fail(err)
	}
	inline, arns, packed, err := s.sessionPolicies(ctx, req.Policy, req.PolicyArns, reqTags)
	if err != nil {
		return nil, fail(err)
	}

	// The trust policy decides alone: the caller is the identity provider.
	prefix := provider.URL
	pc := policy.NewContext()
	now := s.now().UTC()
	pc.Set("aws:CurrentTime", now.Format("2006-01-02T15:04:05Z"))
	pc.Set(prefix+":sub", claims.Subject)
	pc.Set(prefix+":aud", claims.MatchedAudience)
	if claims.AZP != "" {
		pc.Set(prefix+":azp", claims.AZP)
	}
	if len(claims.AMR) > 0 {
		pc.SetMulti(prefix+":amr", claims.AMR)
	}
	pc.Set("sts:RoleSessionName", req.RoleSessionName)
	pc.Set("aws:FederatedProvider", providerARN)
	tagContext(pc, reqTags, transitive)
	principal := policy.Principal{Type: policy.WebIdentity, ARN: providerARN, Account: provider.Account}
	actions := []string{"sts:AssumeRoleWithWebIdentity"}
	if len(reqTags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	for _, action := range actions {
		input := &policy.Input{Request: policy.Request{Principal: principal, Action: action, Resource: role.ARN, ResourceAccount: role.Account, Context: pc},
			ResourcePolicy: role.Trust, ResourceIsRoleTrust: true}
		if policy.Evaluate(input) != policy.Allowed {
			res := policy.Explain(input)
			ev.ErrorCode = "AccessDenied"
			s.Authz.RecordExternal(ctx, ev, res)
			return nil, apierror.AccessDenied(notAuthorizedWebIdentity).WithExplanation(webIdentityHint(res, claims, providerARN))
		}
	}
	ev.Decision.Decision = "Allowed"
	s.Authz.RecordExternal(ctx, ev, nil)

	sess := &sessiontoken.Session{
		Account: role.Account, Type: sessiontoken.TypeAssumeRoleWithWebIdentity,
		PrincipalARN: arn.AssumedRole(s.partition(), role.Account, role.Name, req.RoleSessionName),
		RoleARN:      role.ARN, RoleID: role.RoleID, SessionName: req.RoleSessionName,
		IssuedAt: now, Expiration: now.Add(dur), SessionPolicy: inline, SessionPolicyARNs: arns,
		Tags: tags, TransitiveTagKeys: transitiveKeys,
		FederatedProvider: providerARN, WebIdentitySubject: claims.Subject, WebIdentityAudience: claims.MatchedAudience,
	}
	creds, err := Issue(s.Ring, sess)
	if err != nil {
		return nil, err
	}
	return &AssumeRoleWithWebIdentityResult{
		Credentials:                 creds,
		SubjectFromWebIdentityToken: claims.Subject,
		AssumedRoleUser:             AssumedRoleUser{AssumedRoleId: role.RoleID + ":" + req.RoleSessionName, Arn: sess.PrincipalARN},
		PackedPolicySize:            packedPtr(packed, req.Policy != nil || len(req.PolicyArns) > 0 || len(reqTags) > 0),
		Provider:                    providerARN,
		Audience:                    claims.MatchedAudience,
	}, nil
}

// webIdentityHint names the usual IRSA mistakes plainly.
func webIdentityHint(res *policy.Result, claims *oidc.Claims, providerARN string) string {
	summary := res.Summary()
	var hints []string
	federatedSeen := false
	for _, p := range res.Policies {
		for _, st := range p.Statements {
			if st.Principal == nil {
				continue
			}
			for _, v := range st.Principal.PolicyValues {
				if strings.Contains(v, "oidc-provider/") {
					federatedSeen = true
					if !st.Principal.Matched && v != providerARN {
						hints = append(hints, "the trust policy names provider "+v+" but the token was issued by "+providerARN)
					}
				}
			}
		}
	}
	if !federatedSeen {
		hints = append(hints, "the trust policy has no Federated principal for "+providerARN)
	}
	if k := claims.Kubernetes; k != nil {
		hints = append(hints, "the token is for service account "+k.Namespace+"/"+k.ServiceAccountName)
	}
	if len(hints) == 0 {
		return summary
	}
	return summary + "; " + strings.Join(hints, "; ")
}
