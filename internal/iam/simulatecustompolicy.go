package iam

import (
	"context"

	"github.com/trustbridge/trustbridge/internal/policy"
)

// SimulateCustomPolicyInput is SimulateCustomPolicy's input.
// ResourceHandlingOption (EC2 scenarios) is accepted and ignored.
type SimulateCustomPolicyInput struct {
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

// simulateCustomPolicy evaluates the given identity policies (and
// boundary and resource policy) for each action and resource with the
// policy engine, authorizing iam:SimulateCustomPolicy on "*". The
// principal is CallerArn, or an unnamed IAM user of the caller's account.
func (s *Service) simulateCustomPolicy(ctx context.Context, in *SimulateCustomPolicyInput) (*SimulatePolicyResult, error) {
	c, err := s.begin(ctx, "SimulateCustomPolicy", "callerArn", str(in.CallerArn))
	if err != nil {
		return nil, err
	}
	if err := c.authorize("*"); err != nil {
		return nil, err
	}
	sim := &simulation{principal: policy.Principal{Type: policy.User, Account: c.account()}, context: policy.NewContext()}
	if in.CallerArn != nil {
		p, err := policy.ParsePrincipal(*in.CallerArn)
		if err != nil || p.Type == policy.Anonymous {
			return nil, errInvalidARN(*in.CallerArn)
		}
		sim.principal = p
		sim.context.AddPrincipal(p)
	}
	if sim.identity, err = parseSimulated(in.PolicyInputList, policy.KindIdentity, "PolicyInputList", "none"); err != nil {
		return nil, err
	}
	if err := sim.common(in.PermissionsBoundaryPolicyInputList, in.ResourcePolicy, in.ResourceOwner, in.ContextEntries); err != nil {
		return nil, err
	}
	return simulateResult(sim, in.ActionNames, in.ResourceArns, in.Marker, in.MaxItems)
}

// common fills in what both simulations take the same way.
func (sim *simulation) common(boundaries []string, resourcePolicy, owner *string, entries []ContextEntry) error {
	if len(boundaries) > 1 {
		return invalidInput("You can input only one permissions boundary policy.")
	}
	b, err := parseSimulated(boundaries, policy.KindIdentity, "PermissionsBoundaryPolicyInputList", "none")
	if err != nil {
		return err
	}
	if len(b) == 1 {
		sim.boundary = b[0]
	}
	if resourcePolicy != nil {
		rp, err := parseSimulated([]string{*resourcePolicy}, policy.KindResource, "ResourcePolicy", "resource")
		if err != nil {
			return err
		}
		sim.resourcePolicy = rp[0]
	}
	if sim.resourceOwner, err = resourceOwner(owner); err != nil {
		return err
	}
	return setContext(sim.context, entries)
}

func simulateResult(sim *simulation, actions, resources []string, marker *string, maxItems *int32) (*SimulatePolicyResult, error) {
	page, next, err := offsetPage(sim.run(actions, resources), marker, maxItems)
	if err != nil {
		return nil, err
	}
	return &SimulatePolicyResult{EvaluationResults: nonNil(page), IsTruncated: next != "", Marker: next}, nil
}
