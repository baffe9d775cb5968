package policy

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// A Result is a decision with its full explanation. It is built by Explain
// and is independent of the Input afterwards.
type Result struct {
	Decision Decision `json:"decision"`
	// Reason is a short machine-readable cause, for example
	// "explicit-deny", "no-identity-allow", "trust-no-principal-match".
	Reason string `json:"reason"`
	// Request echoes what was evaluated.
	Request RequestEcho `json:"request"`
	// Policies holds one entry per evaluated policy, in evaluation order.
	Policies []PolicyTrace `json:"policies"`
	// Decisive lists the statements that decided the outcome: the matching
	// Deny statements for an explicit deny, the allowing statements on the
	// path that granted access, none for an implicit deny.
	Decisive []StatementRef `json:"decisive,omitempty"`
	// MatchedStatements are Decisive in IAM SimulatePolicy's shape.
	MatchedStatements []MatchedStatement `json:"matchedStatements,omitempty"`
	// MissingContextValues lists context keys that statements applying to
	// this action and resource test but the request did not supply.
	MissingContextValues []string `json:"missingContextValues,omitempty"`

	summary  string
	policies []tracedPolicy // parallel to Policies
}

// RequestEcho is the request part of a Result.
type RequestEcho struct {
	Principal       string `json:"principal"`
	PrincipalType   string `json:"principalType"`
	Action          string `json:"action"`
	Resource        string `json:"resource"`
	ResourceAccount string `json:"resourceAccount,omitempty"`
	SameAccount     bool   `json:"sameAccount"`
}

// A PolicyTrace is the evaluation of one policy.
type PolicyTrace struct {
	PolicyID string `json:"policyId"`
	// Type is the slot the policy occupied: "identity",
	// "permissions-boundary", "session", "resource", "trust", "scp", "rcp".
	Type string `json:"type"`
	// Level is the organization level for SCPs and RCPs (0 = root).
	Level      int              `json:"level,omitempty"`
	Allows     bool             `json:"allows"`
	Denies     bool             `json:"denies"`
	Statements []StatementTrace `json:"statements"`
}

// A StatementTrace is the evaluation of one statement.
type StatementTrace struct {
	Index  int      `json:"index"`
	Sid    string   `json:"sid,omitempty"`
	Effect string   `json:"effect"`
	Start  Position `json:"start"`
	End    Position `json:"end"`
	// Matched is true when every element matched: the statement applies.
	Matched   bool          `json:"matched"`
	Action    ElementTrace  `json:"action"`
	Resource  *ElementTrace `json:"resource,omitempty"`
	Principal *ElementTrace `json:"principal,omitempty"`
	// Grant says how the principal was named: "direct", "role" or "account".
	Grant      string           `json:"grant,omitempty"`
	Conditions []ConditionTrace `json:"conditions,omitempty"`
}

// An ElementTrace compares one request value with an Action, Resource or
// Principal element.
type ElementTrace struct {
	Element string `json:"element"` // "Action", "NotAction", "Resource", ...
	// Matched is true when the element lets the statement apply (for the
	// Not* forms: the request value is not listed).
	Matched bool   `json:"matched"`
	Request string `json:"request"`
	// MatchedValue is the policy value that matched the request value, if
	// any (for Not* forms it is the value that excluded it).
	MatchedValue string   `json:"matchedValue,omitempty"`
	PolicyValues []string `json:"policyValues"`
}

// A ConditionTrace is the evaluation of one condition key.
type ConditionTrace struct {
	Operator string `json:"operator"`
	Key      string `json:"key"`
	Matched  bool   `json:"matched"`
	// Missing is true when the request context lacks the key.
	Missing       bool     `json:"missing,omitempty"`
	RequestValues []string `json:"requestValues"`
	// PolicyValues are the condition values with policy variables
	// substituted; an unresolvable variable is shown as written.
	PolicyValues []string `json:"policyValues"`
}

// A StatementRef identifies a statement of an evaluated policy.
type StatementRef struct {
	PolicyID string   `json:"policyId"`
	Type     string   `json:"type"`
	Index    int      `json:"index"`
	Sid      string   `json:"sid,omitempty"`
	Effect   string   `json:"effect"`
	Start    Position `json:"start"`
	End      Position `json:"end"`
}

// A MatchedStatement is IAM SimulatePolicy's Statement shape.
type MatchedStatement struct {
	SourcePolicyId   string   `json:"SourcePolicyId"`
	SourcePolicyType string   `json:"SourcePolicyType"`
	StartPosition    Position `json:"StartPosition"`
	EndPosition      Position `json:"EndPosition"`
}

// Explain decides in and returns the decision with a full trace. It
// allocates; use Evaluate on hot paths. Explain and Evaluate always reach
// the same decision.
func Explain(in *Input) *Result {
	r := &Result{}
	e := evaluator{tr: r}
	e.decide(in)
	return r
}

// tracePolicy evaluates p, recording every statement.
func (r *Result) tracePolicy(p *Policy, rv *reqView, role policyRole, level int) polResult {
	pt := PolicyTrace{PolicyID: policyLabel(p, role, level), Type: role.String(), Level: level}
	var res polResult
	for _, s := range p.stmts {
		st := traceStatement(p, s, rv)
		if st.Matched {
			g := s.principalGrant(rv.p, rv.quirks(), rv.bounded)
			if s.deny {
				res.deny = true
			} else {
				res.allow = true
				if g > res.grant {
					res.grant = g
				}
			}
		}
		pt.Statements = append(pt.Statements, st)
	}
	pt.Allows, pt.Denies = res.allow, res.deny
	r.Policies = append(r.Policies, pt)
	r.policies = append(r.policies, tracedPolicy{p: p, role: role, level: level})
	return res
}

func policyLabel(p *Policy, role policyRole, level int) string {
	if p.id != "" {
		return p.id
	}
	if role == roleSCP || role == roleRCP {
		return role.String() + " level " + strconv.Itoa(level)
	}
	return role.String() + " policy"
}

// traceStatement evaluates every element of s without short-circuiting.
func traceStatement(p *Policy, s *statement, rv *reqView) StatementTrace {
	st := StatementTrace{Index: s.idx, Sid: s.sid, Effect: s.effect(), Start: s.start, End: s.end}

	// Action.
	at := ElementTrace{Element: "Action", Request: rv.action}
	if s.notAction {
		at.Element = "NotAction"
	}
	for _, a := range s.actions {
		at.PolicyValues = append(at.PolicyValues, a.src)
		if at.MatchedValue == "" && a.matches(rv.action) {
			at.MatchedValue = a.src
		}
	}
	at.Matched = s.actionMatches(rv.action)
	st.Action = at
	ok := at.Matched

	// Resource.
	if s.hasResource {
		et := &ElementTrace{Element: "Resource", Request: rv.resource}
		if s.notResource {
			et.Element = "NotResource"
		}
		for _, res := range s.resources {
			shown := res.src
			if !res.all && res.arn && len(res.rest.vars) > 0 {
				shown = res.src[:len(res.src)-len(res.rest.src)] + substituted(res.rest, rv.ctx)
			}
			et.PolicyValues = append(et.PolicyValues, shown)
			if et.MatchedValue == "" && res.matches(rv) {
				et.MatchedValue = shown
			}
		}
		et.Matched = s.resourceMatches(rv)
		st.Resource = et
		ok = ok && et.Matched
	}

	// Principal.
	if s.principal != nil {
		pt := &ElementTrace{Element: "Principal", Request: principalLabel(rv.p)}
		if s.notPrincipal {
			pt.Element = "NotPrincipal"
		}
		for i := range s.principal.entries {
			en := &s.principal.entries[i]
			v := en.value
			if en.key != "*" {
				v = en.key + ":" + en.value
			}
			pt.PolicyValues = append(pt.PolicyValues, v)
			if pt.MatchedValue == "" && en.grantFor(rv.p, rv.quirks()) != grantNone {
				pt.MatchedValue = v
			}
		}
		g := s.principalGrant(rv.p, rv.quirks(), rv.bounded)
		pt.Matched = g != grantNone
		if pt.Matched && !s.deny {
			st.Grant = g.String()
		}
		st.Principal = pt
		ok = ok && pt.Matched
	}

	// Conditions.
	for _, c := range s.conds {
		res := evalCondition(c, rv.ctx)
		ct := ConditionTrace{Operator: c.opName, Key: c.keyName, Matched: res.matched, Missing: res.missing}
		if e := rv.ctx.lookup(c.key); e != nil {
			ct.RequestValues = append([]string{}, e.values...)
		} else {
			ct.RequestValues = []string{}
		}
		for i := range c.values {
			ct.PolicyValues = append(ct.PolicyValues, condValueShown(c, &c.values[i], rv.ctx))
		}
		st.Conditions = append(st.Conditions, ct)
		ok = ok && res.matched
	}
	st.Matched = ok
	return st
}

func condValueShown(c *condition, v *condValue, ctx *Context) string {
	switch {
	case v.g != nil && len(v.g.vars) > 0:
		return substituted(v.g, ctx)
	case v.isArn:
		var b strings.Builder
		for i, g := range v.arn {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(substituted(g, ctx))
		}
		return b.String()
	}
	return v.raw
}

// substituted renders a glob's source with its variables replaced by their
// values (or defaults); unresolvable variables stay as written.
func substituted(g *glob, ctx *Context) string {
	if len(g.vars) == 0 {
		return g.src
	}
	var b strings.Builder
	s := g.src
	for len(s) > 0 {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		ref, n, ok := parseVarRef(s[i:])
		if !ok {
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		switch val, found := ctx.single(ref.key); {
		case ref.literal != "":
			b.WriteString(ref.literal)
		case found:
			b.WriteString(val)
		case ref.hasDef:
			b.WriteString(ref.def)
		default:
			b.WriteString(s[i : i+n])
		}
		s = s[i+n:]
	}
	return b.String()
}

func principalLabel(p *Principal) string {
	if p.Type == Anonymous {
		return "anonymous"
	}
	return p.ARN
}

type tracedPolicy struct {
	p     *Policy
	role  policyRole
	level int
}

var reasonNames = map[reason]string{
	reasonExplicitDeny:                "explicit-deny",
	reasonSCP:                         "scp-no-allow",
	reasonResourceGrant:               "resource-policy-grant",
	reasonNoResourceAllow:             "no-resource-policy-allow",
	reasonCrossAccountNoResourceAllow: "cross-account-no-resource-policy-allow",
	reasonCrossAccountNoIdentityAllow: "cross-account-no-identity-allow",
	reasonBoundary:                    "permissions-boundary-no-allow",
	reasonSession:                     "session-policy-no-allow",
	reasonCrossAccount:                "cross-account-allow",
	reasonTrustNoMatch:                "trust-no-principal-match",
	reasonTrustDelegatedNoIdentity:    "trust-delegated-no-identity-allow",
	reasonNoIdentityAllow:             "no-identity-allow",
	reasonIdentity:                    "identity-allow",
}

// conclude records the decision, the decisive statements and the summary.
func (r *Result) conclude(in *Input, d Decision, why reason, st decisionState) {
	r.Decision = d
	r.Reason = reasonNames[why]
	p := &in.Principal
	resAcct := in.ResourceAccount
	if resAcct == "" {
		resAcct = p.Account
	}
	r.Request = RequestEcho{
		Principal:       principalLabel(p),
		PrincipalType:   p.Type.String(),
		Action:          in.Action,
		Resource:        in.Resource,
		ResourceAccount: in.ResourceAccount,
		SameAccount:     p.isIAM() && resAcct == p.Account,
	}

	// Decisive statements.
	want := func(pt *PolicyTrace, s *StatementTrace) bool { return false }
	switch {
	case d == ExplicitDeny:
		want = func(pt *PolicyTrace, s *StatementTrace) bool { return s.Matched && s.Effect == "Deny" }
	case d == Allowed:
		roles := allowRoles(why)
		want = func(pt *PolicyTrace, s *StatementTrace) bool {
			if !s.Matched || s.Effect != "Allow" {
				return false
			}
			for _, ro := range roles {
				if pt.Type == ro {
					return true
				}
			}
			return false
		}
	}
	for i := range r.Policies {
		pt := &r.Policies[i]
		for j := range pt.Statements {
			s := &pt.Statements[j]
			if want(pt, s) {
				r.Decisive = append(r.Decisive, StatementRef{PolicyID: pt.PolicyID, Type: pt.Type, Index: s.Index, Sid: s.Sid, Effect: s.Effect, Start: s.Start, End: s.End})
				r.MatchedStatements = append(r.MatchedStatements, MatchedStatement{
					SourcePolicyId:   pt.PolicyID,
					SourcePolicyType: r.policies[i].sourceType(),
					StartPosition:    s.Start,
					EndPosition:      s.End,
				})
			}
		}
	}

	// Missing context values: keys tested by statements whose action,
	// resource and principal matched.
	missing := map[string]string{}
	for i := range r.Policies {
		tp := r.policies[i]
		for j := range r.Policies[i].Statements {
			s := &r.Policies[i].Statements[j]
			if !s.Action.Matched || (s.Resource != nil && !s.Resource.Matched) || (s.Principal != nil && !s.Principal.Matched) {
				continue
			}
			stmt := tp.p.stmts[j]
			for _, c := range stmt.conds {
				if in.Context.lookup(c.key) == nil {
					missing[c.key] = c.keyName
				}
				for k := range c.values {
					if g := c.values[k].g; g != nil {
						addMissingVars(missing, g, in.Context)
					}
					for _, g := range c.values[k].arn {
						if g != nil {
							addMissingVars(missing, g, in.Context)
						}
					}
				}
			}
			for _, res := range stmt.resources {
				if res.rest != nil {
					addMissingVars(missing, res.rest, in.Context)
				}
			}
		}
	}
	for _, name := range missing {
		r.MissingContextValues = append(r.MissingContextValues, name)
	}
	sort.Strings(r.MissingContextValues)

	r.summary = r.buildSummary(in, why, st)
}

func addMissingVars(m map[string]string, g *glob, ctx *Context) {
	for _, v := range g.vars {
		if _, ok := ctx.single(v.key); !ok && !v.hasDef {
			m[v.key] = v.name
		}
	}
}

func (t tracedPolicy) sourceType() string {
	if t.p.sourceType != "" {
		return t.p.sourceType
	}
	if t.role == roleResource || t.role == roleTrust {
		return "resource"
	}
	return "none"
}

func allowRoles(why reason) []string {
	switch why {
	case reasonResourceGrant:
		return []string{"resource", "trust"}
	case reasonCrossAccount:
		return []string{"resource", "trust", "identity"}
	}
	return []string{"identity"}
}

// Summary returns a one-line human explanation, for example
//
//	implicit deny: trust policy of role/app has no statement matching principal arn:aws:iam::123456789012:oidc-provider/...; closest statement "IRSA" failed StringEquals on oidc...:sub: request "system:serviceaccount:default:app" ≠ policy "system:serviceaccount:prod:app"
func (r *Result) Summary() string { return r.summary }

func (r *Result) buildSummary(in *Input, why reason, st decisionState) string {
	req := fmt.Sprintf("%s on %s", in.Action, in.Resource)
	switch why {
	case reasonExplicitDeny:
		if len(r.Decisive) > 0 {
			s := r.Decisive[0]
			return fmt.Sprintf("explicit deny: %s statement %s of %s denies %s", s.Type, stmtName(s.Sid, s.Index), s.PolicyID, req)
		}
		return "explicit deny: a Deny statement matches " + req
	case reasonResourceGrant, reasonCrossAccount, reasonIdentity:
		if len(r.Decisive) > 0 {
			s := r.Decisive[0]
			return fmt.Sprintf("allowed: %s statement %s of %s allows %s for %s", s.Type, stmtName(s.Sid, s.Index), s.PolicyID, req, r.Request.Principal)
		}
		return "allowed: " + req
	}
	var head string
	var candidates []string // policy types whose closest statement explains the denial
	switch why {
	case reasonSCP:
		head = fmt.Sprintf("no service control policy at organization level %d allows %s", st.scpLevel, req)
		candidates = []string{"scp"}
	case reasonNoResourceAllow:
		if in.ResourcePolicy == nil {
			head = fmt.Sprintf("%s principal %s needs a resource-based policy allowing %s, and there is none", strings.ToLower(r.Request.PrincipalType), r.Request.Principal, req)
		} else if in.ResourceIsRoleTrust {
			head = fmt.Sprintf("trust policy of %s has no statement matching principal %s", shortResource(in), r.Request.Principal)
		} else {
			head = fmt.Sprintf("resource policy %s has no statement allowing %s for %s", policyLabel(in.ResourcePolicy, roleResource, 0), req, r.Request.Principal)
		}
		candidates = []string{"resource", "trust"}
	case reasonCrossAccountNoResourceAllow:
		if in.ResourcePolicy == nil {
			head = fmt.Sprintf("cross-account request from %s to account %s: no resource-based policy allows it", r.Request.Principal, in.ResourceAccount)
		} else {
			head = fmt.Sprintf("cross-account request: resource policy %s has no statement allowing %s for %s", policyLabel(in.ResourcePolicy, roleResource, 0), req, r.Request.Principal)
		}
		candidates = []string{"resource", "trust"}
	case reasonCrossAccountNoIdentityAllow:
		head = fmt.Sprintf("cross-account request: the resource policy allows it but no identity policy of %s allows %s", r.Request.Principal, req)
		candidates = []string{"identity"}
	case reasonBoundary:
		head = fmt.Sprintf("permissions boundary of %s does not allow %s", r.Request.Principal, req)
		candidates = []string{"permissions-boundary"}
	case reasonSession:
		head = fmt.Sprintf("session policy of %s does not allow %s", r.Request.Principal, req)
		candidates = []string{"session"}
	case reasonTrustNoMatch:
		head = fmt.Sprintf("trust policy of %s has no statement matching principal %s", shortResource(in), r.Request.Principal)
		candidates = []string{"trust", "resource"}
	case reasonTrustDelegatedNoIdentity:
		head = fmt.Sprintf("trust policy of %s trusts account %s, but no identity policy of %s allows %s", shortResource(in), in.Principal.Account, r.Request.Principal, req)
		candidates = []string{"identity"}
	case reasonNoIdentityAllow:
		if len(in.IdentityPolicies) == 0 {
			head = fmt.Sprintf("no identity policy of %s allows %s (it has none)", r.Request.Principal, req)
		} else {
			head = fmt.Sprintf("no identity policy of %s allows %s", r.Request.Principal, req)
		}
		candidates = []string{"identity"}
	}
	out := "implicit deny: " + head
	if c := r.closest(candidates); c != "" {
		out += "; " + c
	}
	return out
}

func stmtName(sid string, idx int) string {
	if sid != "" {
		return strconv.Quote(sid)
	}
	return "#" + strconv.Itoa(idx+1)
}

// shortResource renders "role/app" for a role ARN.
func shortResource(in *Input) string {
	if parts, ok := splitARN(in.Resource); ok && parts[5] != "" {
		return parts[5]
	}
	return in.Resource
}

// closest finds the Allow statement among policies of the given types that
// came nearest to matching, and names the first element it failed.
func (r *Result) closest(types []string) string {
	var best *StatementTrace
	bestScore := -1
	for i := range r.Policies {
		pt := &r.Policies[i]
		ok := false
		for _, t := range types {
			ok = ok || pt.Type == t
		}
		if !ok {
			continue
		}
		for j := range pt.Statements {
			s := &pt.Statements[j]
			if s.Effect != "Allow" || s.Matched {
				continue
			}
			if sc := score(s); sc > bestScore {
				best, bestScore = s, sc
			}
		}
	}
	if best == nil {
		return ""
	}
	return fmt.Sprintf("closest statement %s failed %s", stmtName(best.Sid, best.Index), failure(best))
}

func score(s *StatementTrace) int {
	n := 0
	if s.Action.Matched {
		n += 4
	}
	if s.Resource == nil || s.Resource.Matched {
		n += 4
	}
	if s.Principal == nil || s.Principal.Matched {
		n += 4
	}
	for _, c := range s.Conditions {
		if c.Matched {
			n++
		}
	}
	return n
}

// failure describes the first element of s that did not match.
func failure(s *StatementTrace) string {
	el := func(e *ElementTrace) string {
		return fmt.Sprintf("%s: request %q matches none of %s", e.Element, e.Request, quoteList(e.PolicyValues))
	}
	notEl := func(e *ElementTrace) string {
		return fmt.Sprintf("%s: request %q is excluded by %q", e.Element, e.Request, e.MatchedValue)
	}
	pick := func(e *ElementTrace) string {
		if strings.HasPrefix(e.Element, "Not") {
			return notEl(e)
		}
		return el(e)
	}
	switch {
	case !s.Action.Matched:
		return pick(&s.Action)
	case s.Resource != nil && !s.Resource.Matched:
		return pick(s.Resource)
	case s.Principal != nil && !s.Principal.Matched:
		return pick(s.Principal)
	}
	for _, c := range s.Conditions {
		if c.Matched {
			continue
		}
		if c.Missing {
			return fmt.Sprintf("%s on %s: key %s is not in the request (policy %s)", c.Operator, c.Key, c.Key, quoteList(c.PolicyValues))
		}
		rel := "≠"
		if len(c.PolicyValues) > 1 {
			rel = "∉"
		}
		return fmt.Sprintf("%s on %s: request %s %s policy %s", c.Operator, c.Key, quoteList(c.RequestValues), rel, quoteList(c.PolicyValues))
	}
	return "nothing"
}

func quoteList(v []string) string {
	if len(v) == 1 {
		return strconv.Quote(v[0])
	}
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
