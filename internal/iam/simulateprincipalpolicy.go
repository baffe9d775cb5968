package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/store"
)

// SimulatePrincipalPolicyInput is SimulatePrincipalPolicy's input.
type SimulatePrincipalPolicyInput struct {
	PolicySourceArn                    string //nolint:revive // AWS member name
	PolicyInputList                    []string
	PermissionsBoundaryPolicyInputList []string
	ActionNames                        []string
	ResourceArns                       []string
	ResourcePolicy                     *string
	ResourceOwner                      *string
	CallerArn                          *string
	ContextEntries                     []ContextEntry
	ResourceHandlingOption             *string
	MaxItems                           *int32
	Marker                             *string
}

// simulatePrincipalPolicy evaluates a user's or role's identity policies
// (inline and attached), plus any PolicyInputList, under its permissions
// boundary (or the one given), authorizing iam:SimulatePrincipalPolicy on
// the user or role.
func (s *Service) simulatePrincipalPolicy(ctx context.Context, in *SimulatePrincipalPolicyInput) (*SimulatePolicyResult, error) {
	c, err := s.begin(ctx, "SimulatePrincipalPolicy", "policySourceArn", in.PolicySourceArn, "callerArn", str(in.CallerArn))
	if err != nil {
		return nil, err
	}
	a, err := arn.Parse(in.PolicySourceArn)
	kind, _, _ := strings.Cut(a.Resource, "/")
	if err != nil || a.Service != "iam" || kind != "user" && kind != "role" && kind != "group" {
		return nil, errInvalidARN(in.PolicySourceArn)
	}
	if err := c.authorizeIn(in.PolicySourceArn, a.Account); err != nil {
		return nil, err
	}
	_, _, name, err := arn.IAMResource(in.PolicySourceArn, kind)
	if err != nil {
		return nil, errInvalidARN(in.PolicySourceArn)
	}
	sim := &simulation{context: policy.NewContext()}
	owner := store.Principal{Kind: store.PrincipalKind(kind), Account: a.Account, Name: name}
	var boundaryARN string
	switch {
	case kind == "group":
		return nil, noSuchEntity("The group with name %s cannot be found.", name)
	case a.Account != c.account():
		if kind == "role" {
			return nil, errNoSuchRole(name)
		}
		return nil, errNoSuchUser(name)
	case kind == "user":
		u, err := s.Store.GetUser(ctx, a.Account, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchUser(name)
		}
		if err != nil {
			return nil, storeErr(err)
		}
		sim.principal = policy.Principal{Type: policy.User, ARN: arn.User(c.partition(), u.Account, u.Path, u.Name), Account: u.Account, UserID: u.UserID, UserName: u.Name}
		boundaryARN, owner.Name = u.PermissionsBoundaryARN, u.Name
		for k, v := range u.Tags {
			sim.context.Set("aws:PrincipalTag/"+k, v)
		}
	default:
		r, err := s.Store.GetRole(ctx, a.Account, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errNoSuchRole(name)
		}
		if err != nil {
			return nil, storeErr(err)
		}
		roleARN := arn.Role(c.partition(), r.Account, r.Path, r.Name)
		sim.principal = policy.Principal{Type: policy.Role, ARN: roleARN, RoleARN: roleARN, Account: r.Account, UserID: r.RoleID}
		boundaryARN, owner.Name = r.PermissionsBoundaryARN, r.Name
		for k, v := range r.Tags {
			sim.context.Set("aws:PrincipalTag/"+k, v)
		}
	}
	if in.CallerArn != nil {
		p, err := policy.ParsePrincipal(*in.CallerArn)
		if err != nil || p.Type == policy.Anonymous {
			return nil, errInvalidARN(*in.CallerArn)
		}
		sim.principal = p
	}
	sim.context.AddPrincipal(sim.principal)

	pp, err := s.Store.GetPrincipalPolicies(ctx, owner)
	if err != nil {
		return nil, storeErr(err)
	}
	for _, ip := range pp.Inline {
		p, err := policy.Parse(ip.Document, policy.KindIdentity, 0)
		if err != nil {
			continue // a stored document that no longer parses grants nothing
		}
		p.SetID(ip.Name)
		p.SetSourceType(kind)
		sim.identity = append(sim.identity, p)
	}
	for _, ap := range pp.Attached {
		p, err := policy.Parse(ap.Document, policy.KindIdentity, 0)
		if err != nil {
			continue
		}
		p.SetID(ap.PolicyName)
		p.SetSourceType(managedSourceType(ap.PolicyARN))
		sim.identity = append(sim.identity, p)
	}
	extra, err := parseSimulated(in.PolicyInputList, policy.KindIdentity, "PolicyInputList", "none")
	if err != nil {
		return nil, err
	}
	sim.identity = append(sim.identity, extra...)
	if len(in.PermissionsBoundaryPolicyInputList) == 0 && boundaryARN != "" {
		if sim.boundary, err = s.boundaryPolicy(ctx, boundaryARN); err != nil {
			return nil, err
		}
	}
	if err := sim.common(in.PermissionsBoundaryPolicyInputList, in.ResourcePolicy, in.ResourceOwner, in.ContextEntries); err != nil {
		return nil, err
	}
	return simulateResult(sim, in.ActionNames, in.ResourceArns, in.Marker, in.MaxItems)
}

// managedSourceType is IAM's PolicySourceType of an attached policy.
func managedSourceType(policyARN string) string {
	if strings.Contains(policyARN, ":iam::aws:policy/") {
		return "aws-managed"
	}
	return "user-managed"
}

// boundaryPolicy reads and parses a permissions boundary's default
// version. A boundary that is missing or no longer parses allows nothing,
// as in authorization.
func (s *Service) boundaryPolicy(ctx context.Context, policyARN string) (*policy.Policy, error) {
	mp, err := s.Store.GetPolicy(ctx, policyARN)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, storeErr(err)
	}
	for _, v := range mp.Versions {
		if v.VersionID == mp.DefaultVersionID {
			if p, err := policy.Parse(v.Document, policy.KindIdentity, 0); err == nil {
				p.SetID(mp.Name)
				p.SetSourceType(managedSourceType(policyARN))
				return p, nil
			}
		}
	}
	p := policy.MustParse(`{"Version":"2012-10-17","Statement":[]}`, policy.KindIdentity)
	p.SetID(policyARN)
	p.SetSourceType("none")
	return p, nil
}
