package iam

import (
	"strconv"
	"strings"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/arn"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/policy"
)

// The policy simulator shared by SimulateCustomPolicy and
// SimulatePrincipalPolicy: the policy engine's Explain, reported in IAM's
// EvaluationResult shape.

// ContextEntry is a condition key supplied to a simulation.
type ContextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string
}

// Position is a place in a policy document (1-based line and column).
type Position struct {
	Line   int
	Column int
}

// Statement is a policy statement that decided a simulated request.
type Statement struct {
	SourcePolicyId   string `xml:",omitempty"` //nolint:revive // AWS member name
	SourcePolicyType string `xml:",omitempty"`
	StartPosition    Position
	EndPosition      Position
}

// PermissionsBoundaryDecisionDetail says whether the boundary allowed the
// request.
type PermissionsBoundaryDecisionDetail struct {
	AllowedByPermissionsBoundary bool
}

// ResourceSpecificResult is the result for one resource ARN.
type ResourceSpecificResult struct {
	EvalResourceName                  string
	EvalResourceDecision              string
	MatchedStatements                 List[Statement]
	MissingContextValues              List[string]
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `xml:",omitempty"`
}

// EvaluationResult is the simulated decision for one action on one
// resource. EvalDecision is allowed, explicitDeny or implicitDeny.
type EvaluationResult struct {
	EvalActionName                    string
	EvalResourceName                  string `xml:",omitempty"`
	EvalDecision                      string
	MatchedStatements                 List[Statement]
	MissingContextValues              List[string]
	PermissionsBoundaryDecisionDetail *PermissionsBoundaryDecisionDetail `xml:",omitempty"`
	ResourceSpecificResults           List[ResourceSpecificResult]       `xml:",omitempty"`
}

// SimulatePolicyResult is the result of both simulation actions (IAM's
// SimulatePolicyResponse shape).
type SimulatePolicyResult struct {
	EvaluationResults List[EvaluationResult]
	IsTruncated       bool
	Marker            string `xml:",omitempty"`
}

// evalDecision spells a decision as IAM's EvalDecision enum.
func evalDecision(d policy.Decision) string {
	switch d {
	case policy.Allowed:
		return "allowed"
	case policy.ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// A simulation is everything but the action and resource of the simulated
// requests.
type simulation struct {
	principal      policy.Principal
	identity       []*policy.Policy
	boundary       *policy.Policy
	resourcePolicy *policy.Policy
	resourceOwner  string
	context        *policy.Context
}

// parseSimulated parses documents given to a simulation, naming each after
// its place in the request ("PolicyInputList.1", ...). A document that does
// not parse is IAM's InvalidInput with the reason.
func parseSimulated(docs []string, kind policy.Kind, list, sourceType string) ([]*policy.Policy, error) {
	out := make([]*policy.Policy, 0, len(docs))
	for i, doc := range docs {
		id := list + "." + strconv.Itoa(i+1)
		if list == "ResourcePolicy" {
			id = list
		}
		p, err := policy.Parse(doc, kind, 0)
		if err != nil {
			msg := "Invalid policy document."
			if e, ok := apierror.As(err); ok {
				msg = e.Message
			}
			return nil, invalidInput("%s: %s", id, msg)
		}
		p.SetID(id)
		p.SetSourceType(sourceType)
		out = append(out, p)
	}
	return out, nil
}

// setContext adds the simulation's context entries; list types
// (stringList, numericList, ...) make multi-valued keys.
func setContext(pc *policy.Context, entries []ContextEntry) error {
	for _, e := range entries {
		if e.ContextKeyName == "" {
			return invalidInput("ContextKeyName is required in each ContextEntry.")
		}
		switch {
		case strings.HasSuffix(e.ContextKeyType, "List"):
			pc.SetMulti(e.ContextKeyName, e.ContextKeyValues)
		case len(e.ContextKeyValues) > 1:
			return invalidInput("Context key %s of type %s takes one value.", e.ContextKeyName, e.ContextKeyType)
		case len(e.ContextKeyValues) == 1:
			pc.Set(e.ContextKeyName, e.ContextKeyValues[0])
		default:
			pc.SetMulti(e.ContextKeyName, nil)
		}
	}
	return nil
}

// resourceOwner reads a simulation's ResourceOwner: an account ID or an ARN
// naming the account (arn:aws:iam::ACCOUNT:root).
func resourceOwner(s *string) (string, error) {
	if s == nil || *s == "" {
		return "", nil
	}
	if awsid.IsAccountID(*s) {
		return *s, nil
	}
	a, err := arn.Parse(*s)
	if err != nil || !awsid.IsAccountID(a.Account) {
		return "", errInvalidARN(*s)
	}
	return a.Account, nil
}

// run evaluates every action on every resource ("*" when none is given).
func (sim *simulation) run(actions, resources []string) List[EvaluationResult] {
	explicit := len(resources) > 0
	if !explicit {
		resources = []string{"*"}
	}
	out := make(List[EvaluationResult], 0, len(actions)*len(resources))
	for _, action := range actions {
		for _, resource := range resources {
			in := &policy.Input{
				Request: policy.Request{
					Principal: sim.principal, Action: action, Resource: resource,
					ResourceAccount: sim.resourceOwner, Context: sim.context,
				},
				IdentityPolicies:    sim.identity,
				PermissionsBoundary: sim.boundary,
				ResourcePolicy:      sim.resourcePolicy,
			}
			res := policy.Explain(in)
			r := EvaluationResult{
				EvalActionName: action, EvalResourceName: resource, EvalDecision: evalDecision(res.Decision),
				MatchedStatements: statements(res), MissingContextValues: nonNil(List[string](res.MissingContextValues)),
			}
			if sim.boundary != nil {
				r.PermissionsBoundaryDecisionDetail = boundaryDetail(res)
			}
			if explicit {
				r.ResourceSpecificResults = List[ResourceSpecificResult]{{
					EvalResourceName: resource, EvalResourceDecision: r.EvalDecision,
					MatchedStatements: r.MatchedStatements, MissingContextValues: r.MissingContextValues,
					PermissionsBoundaryDecisionDetail: r.PermissionsBoundaryDecisionDetail,
				}}
			}
			out = append(out, r)
		}
	}
	return out
}

func statements(res *policy.Result) List[Statement] {
	out := make(List[Statement], 0, len(res.MatchedStatements))
	for _, m := range res.MatchedStatements {
		out = append(out, Statement{
			SourcePolicyId: m.SourcePolicyId, SourcePolicyType: m.SourcePolicyType,
			StartPosition: Position{Line: m.StartPosition.Line, Column: m.StartPosition.Column},
			EndPosition:   Position{Line: m.EndPosition.Line, Column: m.EndPosition.Column},
		})
	}
	return out
}

// boundaryDetail reports whether the permissions boundary allowed the
// request on its own.
func boundaryDetail(res *policy.Result) *PermissionsBoundaryDecisionDetail {
	for _, p := range res.Policies {
		if p.Type == "permissions-boundary" {
			return &PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: p.Allows && !p.Denies}
		}
	}
	return &PermissionsBoundaryDecisionDetail{}
}
