package policy

import "strings"

// A Decision is the outcome of an evaluation. The zero value is
// ImplicitDeny, so an uninitialised Decision never allows.
type Decision int

// Decisions.
const (
	ImplicitDeny Decision = iota // no applicable allow (AWS: "ImplicitlyDenied")
	ExplicitDeny                 // a matching Deny statement ("ExplicitlyDenied")
	Allowed                      // "Allowed"
)

// String returns AWS's EvalDecision spelling.
func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allowed"
	case ExplicitDeny:
		return "ExplicitlyDenied"
	}
	return "ImplicitlyDenied"
}

// ParseDecision is the inverse of Decision.String.
func ParseDecision(s string) (Decision, bool) {
	switch s {
	case "Allowed", "allowed":
		return Allowed, true
	case "ExplicitlyDenied", "explicitDeny":
		return ExplicitDeny, true
	case "ImplicitlyDenied", "implicitDeny":
		return ImplicitDeny, true
	}
	return ImplicitDeny, false
}

// A Request is what is being authorized.
type Request struct {
	Principal Principal
	// Action is "service:Action", for example "sts:AssumeRole"; matched
	// case-insensitively.
	Action string
	// Resource is the resource ARN, or "*" for actions without
	// resource-level permissions; matched case-sensitively.
	Resource string
	// ResourceAccount is the account that owns the resource; "" means the
	// principal's own account.
	ResourceAccount string
	// Context holds the request context keys. Nil means no keys.
	Context *Context
}

// An Input is a request plus every policy that applies to it.
type Input struct {
	Request
	// IdentityPolicies are the principal's inline and attached managed
	// policies (for a role session: the role's). Ignored for Anonymous,
	// WebIdentity, SAML and Service principals, which have none.
	IdentityPolicies []*Policy
	// PermissionsBoundary is the principal's permissions boundary; nil means
	// none. AdditionalBoundaries lets simulations supply more; each must
	// allow.
	PermissionsBoundary  *Policy
	AdditionalBoundaries []*Policy
	// SessionPolicies are the inline session policy and the PolicyArns
	// passed when the session was created; together they must allow. Nil
	// or empty means the session has no session policies.
	SessionPolicies []*Policy
	// ResourcePolicy is the resource-based policy; nil means none.
	ResourcePolicy *Policy
	// ResourceIsRoleTrust marks ResourcePolicy as a role trust policy (or
	// a policy with the same rule, such as a KMS key policy): it must allow
	// the principal explicitly even within one account, and naming only the
	// account delegates to the caller's identity policies.
	ResourceIsRoleTrust bool
	// SCPs and RCPs hold the organization's policies, one slice per level
	// from the root through OUs to the account. Nil means no organization.
	// Every SCP level must allow; RCP levels behave as if the
	// non-detachable RCPFullAWSAccess were attached, so only their Deny
	// statements can change a decision. SCPs are ignored for principals
	// that are not IAM identities (anonymous, web identity, SAML, service).
	SCPs, RCPs [][]*Policy

	// quirks reproduce documented deviations of the reference engine; only
	// the differential tests set them, to classify disagreements.
	quirks quirk
}

// quirk is a deliberate deviation from AWS, used only to confirm that a
// disagreement with the reference engine is one of the reviewed ones.
type quirk uint8

const (
	// quirkSessionLimitsDirect lets session policies limit access that a
	// resource-based policy grants directly to the session (or to "*").
	quirkSessionLimitsDirect quirk = 1 << iota
	// quirkNegatedUnresolvedVar makes a negated operator fail when one of
	// its values holds a policy variable without a value.
	quirkNegatedUnresolvedVar
	// quirkIPv4SlashZero makes IPv4 /0 blocks match nothing.
	quirkIPv4SlashZero
	// quirkForAnyValueIfExists makes ForAnyValue:...IfExists false for a
	// missing key.
	quirkForAnyValueIfExists
	// quirkAccountMatchesProvider lets an account principal match a web
	// identity or SAML caller whose provider ARN is in that account.
	quirkAccountMatchesProvider
	// quirkEpochMillis reads epoch date values as milliseconds.
	quirkEpochMillis
	// quirkBareIPv4MatchesIPv6 makes a policy IPv4 address written without
	// a prefix length match every IPv6 request address.
	quirkBareIPv4MatchesIPv6
	// quirkNotResourceUnresolved makes a NotResource pattern whose policy
	// variable has no value exclude every resource.
	quirkNotResourceUnresolved
)

// grant says how a resource-based policy statement named the principal;
// the kind decides which other policies must also allow.
type grant uint8

const (
	grantNone    grant = iota
	grantAccount       // the principal's account: delegates to its identity policies
	grantRole          // the session's role ARN (or a federated user's IAM user): boundary and session policies still limit
	grantDirect        // the principal itself ("*", its ARN, its provider or service)
)

func (g grant) String() string {
	switch g {
	case grantAccount:
		return "account"
	case grantRole:
		return "role"
	case grantDirect:
		return "direct"
	}
	return ""
}

// reqView is the request as the matchers see it, computed once per
// evaluation.
type reqView struct {
	p        *Principal
	action   string
	resource string
	parts    [6]string
	isArn    bool
	ctx      *Context
	bounded  bool // the principal has a permissions boundary
}

// quirks returns the context's reference-engine quirks (tests only).
func (rv *reqView) quirks() quirk {
	if rv.ctx == nil {
		return 0
	}
	return rv.ctx.quirks
}

func newReqView(r *Request) reqView {
	rv := reqView{p: &r.Principal, action: r.Action, resource: r.Resource, ctx: r.Context}
	rv.parts, rv.isArn = splitARN(r.Resource)
	return rv
}

func (a *actionPat) matches(action string) bool {
	if a.all {
		return true
	}
	return a.g.match(action, nil, true)
}

func (r *resourcePat) matches(rv *reqView) bool {
	if r.all {
		return true
	}
	if !rv.isArn {
		// A non-ARN request resource ("*") is matched only by "*".
		return false
	}
	if rv.parts[0] != "arn" {
		return false
	}
	for i := 0; i < 4; i++ {
		if !r.parts[i].match(rv.parts[i+1], nil, false) {
			return false
		}
	}
	return globMatchCtx(r.rest, rv.parts[5], rv.ctx, false)
}

func (s *statement) actionMatches(action string) bool {
	for _, a := range s.actions {
		if a.matches(action) {
			return !s.notAction
		}
	}
	return s.notAction
}

func (s *statement) resourceMatches(rv *reqView) bool {
	if !s.hasResource {
		return true
	}
	for _, r := range s.resources {
		if r.matches(rv) {
			return !s.notResource
		}
		if s.notResource && rv.quirks()&quirkNotResourceUnresolved != 0 && !r.all && len(r.rest.vars) > 0 {
			var buf [maxStackVars]string
			if _, ok := resolveVars(r.rest, rv.ctx, buf[:]); !ok {
				return false
			}
		}
	}
	return s.notResource
}

// grantFor returns how strongly entry e names principal p. q holds
// reference-engine quirks (differential tests only).
func (e *principalEntry) grantFor(p *Principal, q quirk) grant {
	switch e.kind {
	case pAny:
		return grantDirect
	case pAccount:
		if q&quirkAccountMatchesProvider != 0 && (p.Type == WebIdentity || p.Type == SAML) && p.Account == e.account {
			return grantAccount
		}
		if p.isIAM() && p.Account == e.account {
			if p.Type == Root {
				return grantDirect
			}
			return grantAccount
		}
	case pARN:
		switch p.Type {
		case User:
			if iamARNEqual(e.value, p.ARN) {
				return grantDirect
			}
		case RoleSession:
			if e.value == p.ARN {
				return grantDirect
			}
			if p.RoleARN != "" && iamARNEqual(e.value, p.RoleARN) {
				return grantRole
			}
		case Role:
			if iamARNEqual(e.value, p.ARN) {
				return grantRole
			}
		case FederatedUser:
			if e.value == p.ARN {
				return grantDirect
			}
			if p.UserARN != "" && iamARNEqual(e.value, p.UserARN) {
				return grantRole
			}
		}
	case pFederated:
		if (p.Type == WebIdentity || p.Type == SAML) && e.value == p.ARN {
			return grantDirect
		}
	case pService:
		if p.Type == Service && e.value == p.ARN {
			return grantDirect
		}
	case pCanonical:
		if p.CanonicalUser != "" && e.value == p.CanonicalUser {
			return grantDirect
		}
	}
	return grantNone
}

// iamARNEqual compares IAM user/role ARNs. IAM names are unique regardless
// of case, so the comparison folds case.
func iamARNEqual(a, b string) bool { return strings.EqualFold(a, b) }

// principalGrant evaluates the statement's Principal/NotPrincipal. A
// statement without one applies to every principal (grantDirect).
//
// NotPrincipal with Deny: when the caller has a permissions boundary the
// statement applies even to the principals it lists (IAM User Guide,
// NotPrincipal, "NotPrincipal with Deny" and permissions boundaries), so
// bounded reports whether the caller has one.
func (s *statement) principalGrant(p *Principal, q quirk, bounded bool) grant {
	if s.principal == nil {
		return grantDirect
	}
	if s.notPrincipal && s.deny && bounded {
		return grantDirect
	}
	best := grantNone
	for i := range s.principal.entries {
		if g := s.principal.entries[i].grantFor(p, q); g > best {
			best = g
		}
	}
	if s.notPrincipal {
		if best == grantNone {
			return grantDirect
		}
		return grantNone
	}
	return best
}

func (s *statement) conditionsMatch(ctx *Context) bool {
	for _, c := range s.conds {
		if !evalCondition(c, ctx).matched {
			return false
		}
	}
	return true
}

// polResult summarises one policy (or one set of policies) for a request.
type polResult struct {
	allow bool
	deny  bool
	grant grant // strongest grant among matching Allow statements
}

func (r *polResult) merge(o polResult) {
	r.allow = r.allow || o.allow
	r.deny = r.deny || o.deny
	if o.grant > r.grant {
		r.grant = o.grant
	}
}

// evalPolicyFast evaluates p without tracing. It does not allocate.
func evalPolicyFast(p *Policy, rv *reqView) polResult {
	var res polResult
	for _, s := range p.stmts {
		if s.deny && res.deny || !s.deny && res.allow && res.grant == grantDirect {
			continue // cannot change the result
		}
		if !s.actionMatches(rv.action) || !s.resourceMatches(rv) {
			continue
		}
		g := s.principalGrant(rv.p, rv.quirks(), rv.bounded)
		if g == grantNone {
			continue
		}
		if !s.conditionsMatch(rv.ctx) {
			continue
		}
		if s.deny {
			res.deny = true
		} else {
			res.allow = true
			if g > res.grant {
				res.grant = g
			}
		}
	}
	return res
}

// Evaluate decides in without building a trace. It is the hot path: it
// does not allocate when patterns carry at most eight policy variables.
func Evaluate(in *Input) Decision {
	var e evaluator
	return e.decide(in)
}

// evaluator carries an optional trace; with tr == nil it is allocation-free.
type evaluator struct {
	tr *Result
}

// policyRole names the slot a policy occupies in an Input.
type policyRole uint8

const (
	roleIdentity policyRole = iota
	roleBoundary
	roleSession
	roleResource
	roleTrust
	roleSCP
	roleRCP
)

var policyRoleNames = [...]string{"identity", "permissions-boundary", "session", "resource", "trust", "scp", "rcp"}

func (r policyRole) String() string { return policyRoleNames[r] }

func (e *evaluator) eval(p *Policy, rv *reqView, role policyRole, level int) polResult {
	if e.tr == nil {
		return evalPolicyFast(p, rv)
	}
	return e.tr.tracePolicy(p, rv, role, level)
}

// decide implements AWS's evaluation logic (see
// /work/shared/reference/policy-evaluation.md and the package tests).
func (e *evaluator) decide(in *Input) Decision {
	rv := newReqView(&in.Request)
	p := &in.Principal
	iam := p.isIAM()
	rv.bounded = iam && p.Type != Root && (in.PermissionsBoundary != nil || len(in.AdditionalBoundaries) > 0)
	var d decisionState

	// Organization policies.
	scpOK := true
	if iam && in.SCPs != nil {
		for lvl, level := range in.SCPs {
			var lr polResult
			for _, pol := range level {
				lr.merge(e.eval(pol, &rv, roleSCP, lvl))
			}
			d.deny = d.deny || lr.deny
			if !lr.allow && scpOK {
				scpOK = false
				d.scpLevel = lvl
			}
		}
	}
	for lvl, level := range in.RCPs {
		for _, pol := range level {
			d.deny = d.deny || e.eval(pol, &rv, roleRCP, lvl).deny
		}
	}

	// Resource-based policy.
	var rp polResult
	if in.ResourcePolicy != nil {
		role := roleResource
		if in.ResourceIsRoleTrust {
			role = roleTrust
		}
		rp = e.eval(in.ResourcePolicy, &rv, role, 0)
		d.deny = d.deny || rp.deny
	}

	// Principal-side policies.
	idAllow, pbOK, sessOK := false, true, true
	if iam {
		var id polResult
		for _, pol := range in.IdentityPolicies {
			id.merge(e.eval(pol, &rv, roleIdentity, 0))
		}
		d.deny = d.deny || id.deny
		idAllow = id.allow || p.Type == Root
		if in.PermissionsBoundary != nil && p.Type != Root {
			r := e.eval(in.PermissionsBoundary, &rv, roleBoundary, 0)
			d.deny = d.deny || r.deny
			pbOK = r.allow
		}
		for _, pol := range in.AdditionalBoundaries {
			if p.Type == Root {
				break
			}
			r := e.eval(pol, &rv, roleBoundary, 0)
			d.deny = d.deny || r.deny
			pbOK = pbOK && r.allow
		}
		if len(in.SessionPolicies) > 0 {
			var s polResult
			for _, pol := range in.SessionPolicies {
				s.merge(e.eval(pol, &rv, roleSession, 0))
			}
			d.deny = d.deny || s.deny
			sessOK = s.allow
		}
	}

	if d.deny {
		return e.finish(in, ExplicitDeny, reasonExplicitDeny, d)
	}
	if !scpOK {
		return e.finish(in, ImplicitDeny, reasonSCP, d)
	}
	if !iam {
		if rp.allow {
			return e.finish(in, Allowed, reasonResourceGrant, d)
		}
		return e.finish(in, ImplicitDeny, reasonNoResourceAllow, d)
	}
	resAcct := in.ResourceAccount
	if resAcct == "" {
		resAcct = p.Account
	}
	same := resAcct == p.Account
	g := grantNone
	if rp.allow {
		g = rp.grant
	}
	if !same {
		switch {
		case g == grantNone:
			return e.finish(in, ImplicitDeny, reasonCrossAccountNoResourceAllow, d)
		case !idAllow:
			return e.finish(in, ImplicitDeny, reasonCrossAccountNoIdentityAllow, d)
		case !pbOK:
			return e.finish(in, ImplicitDeny, reasonBoundary, d)
		case !sessOK:
			return e.finish(in, ImplicitDeny, reasonSession, d)
		}
		return e.finish(in, Allowed, reasonCrossAccount, d)
	}
	switch g {
	case grantDirect:
		if in.quirks&quirkSessionLimitsDirect != 0 && !sessOK {
			return e.finish(in, ImplicitDeny, reasonSession, d)
		}
		return e.finish(in, Allowed, reasonResourceGrant, d)
	case grantRole:
		switch {
		case !pbOK:
			return e.finish(in, ImplicitDeny, reasonBoundary, d)
		case !sessOK:
			return e.finish(in, ImplicitDeny, reasonSession, d)
		}
		return e.finish(in, Allowed, reasonResourceGrant, d)
	}
	if g == grantNone && in.ResourceIsRoleTrust {
		return e.finish(in, ImplicitDeny, reasonTrustNoMatch, d)
	}
	switch {
	case !idAllow:
		if in.ResourceIsRoleTrust {
			return e.finish(in, ImplicitDeny, reasonTrustDelegatedNoIdentity, d)
		}
		return e.finish(in, ImplicitDeny, reasonNoIdentityAllow, d)
	case !pbOK:
		return e.finish(in, ImplicitDeny, reasonBoundary, d)
	case !sessOK:
		return e.finish(in, ImplicitDeny, reasonSession, d)
	}
	return e.finish(in, Allowed, reasonIdentity, d)
}

// decisionState collects facts for the explanation.
type decisionState struct {
	deny     bool
	scpLevel int
}

type reason uint8

const (
	reasonExplicitDeny reason = iota
	reasonSCP
	reasonResourceGrant
	reasonNoResourceAllow
	reasonCrossAccountNoResourceAllow
	reasonCrossAccountNoIdentityAllow
	reasonBoundary
	reasonSession
	reasonCrossAccount
	reasonTrustNoMatch
	reasonTrustDelegatedNoIdentity
	reasonNoIdentityAllow
	reasonIdentity
)

func (e *evaluator) finish(in *Input, d Decision, why reason, st decisionState) Decision {
	if e.tr != nil {
		e.tr.conclude(in, d, why, st)
	}
	return d
}
