package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// Kind says which validation rules apply to a policy document.
type Kind int

// Policy kinds.
const (
	// KindIdentity is an inline or managed identity policy, a permissions
	// boundary or a session policy: Principal and NotPrincipal are not
	// allowed; Resource or NotResource is required.
	KindIdentity Kind = iota
	// KindResource is a resource-based policy (bucket, queue, key ...):
	// Principal or NotPrincipal is required.
	KindResource
	// KindTrust is a role trust policy: Principal is required, NotPrincipal
	// and Resource are prohibited, and only sts:* actions are allowed.
	KindTrust
	// KindSCP is a service control policy: no Principal or NotPrincipal.
	KindSCP
	// KindRCP is a resource control policy: Principal is required.
	KindRCP
)

func (k Kind) String() string {
	switch k {
	case KindIdentity:
		return "identity"
	case KindResource:
		return "resource"
	case KindTrust:
		return "trust"
	case KindSCP:
		return "scp"
	case KindRCP:
		return "rcp"
	}
	return "Kind(?)"
}

// Size limits in characters, not counting whitespace, as AWS counts them.
const (
	MaxInlineUserPolicySize  = 2048
	MaxInlineGroupPolicySize = 5120
	MaxInlineRolePolicySize  = 10240
	MaxManagedPolicySize     = 6144
	MaxTrustPolicySize       = 2048
	MaxSCPSize               = 5120
)

// Policy versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// A Position is a place in a policy document: 1-based line and column
// (columns count characters), as IAM's SimulatePolicy reports them.
type Position struct {
	Line   int `json:"Line"`
	Column int `json:"Column"`
}

// A Policy is a parsed, validated policy document. It is immutable apart
// from SetID/SetSourceType (call those before sharing it) and safe for
// concurrent use.
type Policy struct {
	id         string
	sourceType string
	kind       Kind
	version    string // "" when absent
	docID      string
	vars       varMode // policy variables are substituted (Version 2012-10-17)
	opts       parseOpts
	stmts      []*statement
	src        string
}

// ID returns the identifier used in traces and MatchedStatements.
func (p *Policy) ID() string { return p.id }

// SetID sets the identifier used in traces and MatchedStatements, for
// example "role/app inline policy s3read" or a managed policy ARN.
func (p *Policy) SetID(id string) { p.id = id }

// SourceType returns the AWS PolicySourceType reported in
// MatchedStatements ("user", "group", "role", "aws-managed",
// "user-managed", "resource" or "none"). It defaults to "none".
func (p *Policy) SourceType() string {
	if p.sourceType == "" {
		return "none"
	}
	return p.sourceType
}

// SetSourceType sets the AWS PolicySourceType reported in MatchedStatements.
func (p *Policy) SetSourceType(t string) { p.sourceType = t }

// Kind returns the validation kind the policy was parsed with.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the Version element ("" when absent).
func (p *Policy) Version() string { return p.version }

// DocumentID returns the policy's Id element.
func (p *Policy) DocumentID() string { return p.docID }

// Len returns the number of statements.
func (p *Policy) Len() int { return len(p.stmts) }

// Source returns the document text as given to Parse.
func (p *Policy) Source() string { return p.src }

// A statement is one compiled Statement element.
type statement struct {
	idx          int
	sid          string
	deny         bool
	notAction    bool
	actions      []*actionPat
	hasResource  bool
	notResource  bool
	resources    []*resourcePat
	principal    *principalElem // nil when the statement has none
	notPrincipal bool
	conds        []*condition
	start, end   Position
}

func (s *statement) effect() string {
	if s.deny {
		return "Deny"
	}
	return "Allow"
}

type actionPat struct {
	src string
	all bool
	g   *glob // lowercase
}

// resourcePat is a compiled Resource entry. ARN patterns are matched part by
// part: partition, service, region and account separately, then the
// resource part (after the fifth colon) as one string in which '*' and '?'
// may span '/' and ':'.
type resourcePat struct {
	src   string
	all   bool
	arn   bool
	parts [4]*glob // partition, service, region, account
	rest  *glob    // resource part, with policy variables
	whole *glob    // non-ARN pattern (only "*" passes validation)
}

// Parse parses and validates a policy document of the given kind. maxSize is
// the largest allowed size in non-whitespace characters (0: no check). The
// error is always an *apierror.Error with Code MalformedPolicyDocument and
// an AWS-style message naming the problem.
func Parse(doc string, kind Kind, maxSize int) (*Policy, error) {
	return parse(doc, kind, maxSize, 0)
}

// parseOpts select reference-engine readings; only the differential tests
// use them, to confirm that a disagreement is a reviewed deviation.
type parseOpts uint8

const (
	// parseForceVars substitutes policy variables whatever the Version.
	parseForceVars parseOpts = 1 << iota
	// parseSpecialVarsAsTextInEquals leaves ${*}, ${?} and ${$} unreplaced
	// in StringEquals-family values.
	parseSpecialVarsAsTextInEquals
)

// parse is Parse with reference-engine readings (see parseOpts).
func parse(doc string, kind Kind, maxSize int, opts parseOpts) (*Policy, error) {
	if maxSize > 0 {
		if n := nonWhitespaceLen(doc, maxSize); n > maxSize {
			if kind == KindTrust {
				return nil, malformed("Cannot exceed quota for ACLSizePerRole: %d", maxSize)
			}
			return nil, malformed("Cannot exceed quota for PolicySize: %d", maxSize)
		}
	}
	root, err := parseJSON(doc)
	if err != nil {
		return nil, malformed("Syntax errors in policy.")
	}
	if root.kind != jObject {
		return nil, malformed("Syntax errors in policy.")
	}
	p := &Policy{kind: kind, src: doc, opts: opts}
	var stmtVal *jvalue
	for _, m := range root.obj {
		switch m.key {
		case "Version":
			if m.val.kind != jString {
				return nil, malformed("Syntax errors in policy.")
			}
			p.version = m.val.str
		case "Id":
			if m.val.kind != jString {
				return nil, malformed("Syntax errors in policy.")
			}
			p.docID = m.val.str
		case "Statement":
			stmtVal = m.val
		default:
			return nil, malformed("Syntax errors in policy. Unknown element %q", m.key)
		}
	}
	switch p.version {
	case Version2012:
		p.vars = varsOn
	case "", Version2008:
		if opts&parseForceVars != 0 {
			p.vars = varsOn
		}
	default:
		return nil, malformed("The policy failed legacy parsing")
	}
	if stmtVal == nil {
		return nil, malformed("Missing required field Statement")
	}
	var items []*jvalue
	switch stmtVal.kind {
	case jObject:
		items = []*jvalue{stmtVal}
	case jArray:
		items = stmtVal.arr
	default:
		return nil, malformed("Syntax errors in policy.")
	}
	lines := newLineIndex(doc)
	sids := map[string]bool{}
	for i, it := range items {
		if it.kind != jObject {
			return nil, malformed("Syntax errors in policy.")
		}
		st, err := p.compileStatement(i, it)
		if err != nil {
			return nil, err
		}
		if st.sid != "" {
			if sids[st.sid] {
				return nil, malformed("Statement IDs (SID) in a single policy must be unique.")
			}
			sids[st.sid] = true
		}
		st.start = lines.pos(it.start)
		st.end = lines.pos(it.end)
		p.stmts = append(p.stmts, st)
	}
	return p, nil
}

// MustParse is Parse for tests and built-in policies; it panics on error.
func MustParse(doc string, kind Kind) *Policy {
	p, err := Parse(doc, kind, 0)
	if err != nil {
		panic(err)
	}
	return p
}

func malformed(format string, args ...any) *apierror.Error {
	if len(args) == 0 {
		return apierror.MalformedPolicyDocument(format)
	}
	return apierror.MalformedPolicyDocument(fmt.Sprintf(format, args...))
}

// nonWhitespaceLen counts characters that are not whitespace, stopping
// early once the count passes limit.
func nonWhitespaceLen(s string, limit int) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
			if n > limit {
				return n
			}
		}
	}
	return n
}

// stringList accepts a string or a non-empty array of strings.
func stringList(v *jvalue) ([]string, bool) {
	switch v.kind {
	case jString:
		return []string{v.str}, true
	case jArray:
		out := make([]string, 0, len(v.arr))
		for _, e := range v.arr {
			if e.kind != jString {
				return nil, false
			}
			out = append(out, e.str)
		}
		return out, true
	}
	return nil, false
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func (p *Policy) compileStatement(idx int, v *jvalue) (*statement, error) {
	st := &statement{idx: idx}
	var effect, action, notAction, resource, notResource, principal, notPrincipal, cond *jvalue
	for _, m := range v.obj {
		switch m.key {
		case "Sid":
			if m.val.kind != jString {
				return nil, malformed("Syntax errors in policy.")
			}
			st.sid = m.val.str
		case "Effect":
			effect = m.val
		case "Action":
			action = m.val
		case "NotAction":
			notAction = m.val
		case "Resource":
			resource = m.val
		case "NotResource":
			notResource = m.val
		case "Principal":
			principal = m.val
		case "NotPrincipal":
			notPrincipal = m.val
		case "Condition":
			cond = m.val
		default:
			return nil, malformed("Syntax errors in policy. Unknown element %q in statement", m.key)
		}
	}
	if st.sid != "" && (p.kind == KindIdentity || p.kind == KindTrust || p.kind == KindSCP) && !isAlnum(st.sid) {
		return nil, malformed("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
	}

	// Effect.
	if effect == nil {
		return nil, malformed("Missing required field Effect")
	}
	if effect.kind != jString {
		return nil, malformed("Syntax errors in policy.")
	}
	switch effect.str {
	case "Allow":
	case "Deny":
		st.deny = true
	default:
		return nil, malformed("Invalid effect: %s", effect.str)
	}

	// Principal / NotPrincipal.
	if principal != nil && notPrincipal != nil {
		return nil, malformed("Syntax errors in policy. A statement cannot contain both Principal and NotPrincipal")
	}
	switch p.kind {
	case KindIdentity, KindSCP:
		if principal != nil || notPrincipal != nil {
			return nil, malformed("Policy document should not specify a principal.")
		}
	case KindTrust:
		if notPrincipal != nil {
			return nil, malformed("Has prohibited field NotPrincipal")
		}
		if principal == nil {
			return nil, malformed("Missing required field Principal")
		}
	case KindResource, KindRCP:
		if principal == nil && notPrincipal == nil {
			return nil, malformed("Missing required field Principal")
		}
	}
	if pv := principal; pv != nil || notPrincipal != nil {
		if pv == nil {
			pv = notPrincipal
			st.notPrincipal = true
		}
		pe, err := compilePrincipal(pv)
		if err != nil {
			return nil, err
		}
		if st.notPrincipal && pe.any {
			return nil, malformed("Invalid principal in policy: NotPrincipal cannot be \"*\"")
		}
		if p.kind == KindRCP && !pe.any {
			return nil, malformed("Invalid principal in policy: a resource control policy must specify \"Principal\": \"*\"")
		}
		st.principal = pe
	}

	// Action / NotAction.
	if action != nil && notAction != nil {
		return nil, malformed("Syntax errors in policy. A statement cannot contain both Action and NotAction")
	}
	av := action
	if av == nil {
		av = notAction
		st.notAction = notAction != nil
	}
	if av == nil {
		return nil, malformed("Policy statement must contain actions.")
	}
	acts, ok := stringList(av)
	if !ok {
		return nil, malformed("Syntax errors in policy.")
	}
	if len(acts) == 0 {
		return nil, malformed("Policy statement must contain actions.")
	}
	for _, a := range acts {
		ap, err := compileAction(a, p.kind)
		if err != nil {
			return nil, err
		}
		st.actions = append(st.actions, ap)
	}

	// Resource / NotResource.
	if resource != nil && notResource != nil {
		return nil, malformed("Syntax errors in policy. A statement cannot contain both Resource and NotResource")
	}
	rv := resource
	if rv == nil {
		rv = notResource
		st.notResource = notResource != nil
	}
	switch {
	case p.kind == KindTrust && rv != nil:
		if st.notResource {
			return nil, malformed("Has prohibited field NotResource")
		}
		return nil, malformed("Has prohibited field Resource")
	case rv == nil && p.kind != KindTrust:
		return nil, malformed("Policy statement must contain resources.")
	}
	if rv != nil {
		st.hasResource = true
		res, ok := stringList(rv)
		if !ok {
			return nil, malformed("Syntax errors in policy.")
		}
		if len(res) == 0 {
			return nil, malformed("Policy statement must contain resources.")
		}
		for _, r := range res {
			rp, err := compileResource(r, p.vars)
			if err != nil {
				return nil, err
			}
			st.resources = append(st.resources, rp)
		}
	}

	// Condition.
	if cond != nil {
		cs, err := compileConditions(cond, p.vars, p.opts)
		if err != nil {
			return nil, err
		}
		st.conds = cs
	}
	if p.kind == KindRCP {
		if err := validateRCPStatement(p, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// validateRCPStatement applies the Organizations rules for resource control
// policies: Version 2012-10-17, Deny statements only (the AWS-managed
// RCPFullAWSAccess, an unconditional Allow of "*" on "*" to "*", is the one
// exception and is accepted), no NotAction, and no Action "*" in a Deny.
func validateRCPStatement(p *Policy, st *statement) error {
	if p.version != Version2012 {
		return malformed("Syntax errors in policy. A resource control policy must use Version 2012-10-17")
	}
	if st.notAction {
		return malformed("Syntax errors in policy. NotAction is not supported in a resource control policy")
	}
	fullAccess := len(st.actions) == 1 && st.actions[0].all && !st.notResource &&
		len(st.resources) == 1 && st.resources[0].all && len(st.conds) == 0
	if !st.deny {
		if fullAccess {
			return nil
		}
		return malformed("Syntax errors in policy. A resource control policy may contain only Deny statements")
	}
	for _, a := range st.actions {
		if a.all {
			return malformed("Syntax errors in policy. A resource control policy cannot deny Action \"*\"")
		}
	}
	return nil
}

// compileAction validates and compiles one action pattern.
func compileAction(a string, kind Kind) (*actionPat, error) {
	if a == "*" {
		if kind == KindTrust {
			// A trust policy may say "Action": "*"; AWS treats it as all sts actions.
			return &actionPat{src: a, all: true}, nil
		}
		return &actionPat{src: a, all: true}, nil
	}
	colon := strings.IndexByte(a, ':')
	if colon < 0 {
		return nil, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	vendor, name := a[:colon], a[colon+1:]
	if vendor == "" {
		return nil, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return nil, malformed("Action vendors must only contain alphanumeric characters and/or the following: -_")
		}
	}
	if name == "" {
		return nil, malformed("Action names must not be empty: %s", a)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '*' || c == '?' || c == '-' || c == '_') {
			return nil, malformed("Action names must only contain alphanumeric characters and/or the following: -_*? (got %s)", a)
		}
	}
	if kind == KindTrust && !strings.EqualFold(vendor, "sts") {
		return nil, malformed("AssumeRole policy may only specify STS AssumeRole actions.")
	}
	return &actionPat{src: a, g: compileGlobLower(a)}, nil
}

func compileGlobLower(s string) *glob { return compileGlob(s, varsOff, true, true) }

// compileResource validates and compiles one Resource/NotResource entry.
func compileResource(r string, vars varMode) (*resourcePat, error) {
	if r == "*" {
		return &resourcePat{src: r, all: true}, nil
	}
	parts, ok := splitARN(r)
	if !ok || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return nil, malformed("Resource %s must be in ARN format or \"*\".", r)
	}
	rp := &resourcePat{src: r, arn: true}
	for i := 0; i < 4; i++ {
		rp.parts[i] = compileGlob(parts[i+1], varsOff, true, false)
	}
	rp.rest = compileGlob(parts[5], vars, true, false)
	return rp, nil
}

// splitARN splits s at its first five colons. ok is false when s has fewer
// than five colons.
func splitARN(s string) (parts [6]string, ok bool) {
	for i := 0; i < 5; i++ {
		c := strings.IndexByte(s, ':')
		if c < 0 {
			return parts, false
		}
		parts[i] = s[:c]
		s = s[c+1:]
	}
	parts[5] = s
	return parts, true
}

// principalKind says which Principal map key an entry came from and what
// it names.
type principalKind uint8

const (
	pAny       principalKind = iota // "*" or {"AWS": "*"}
	pAccount                        // {"AWS": "123456789012"} or arn:aws:iam::123456789012:root
	pARN                            // user, role, assumed-role session or federated-user ARN
	pFederated                      // identity provider
	pService                        // service principal
	pCanonical                      // S3 canonical user
)

type principalEntry struct {
	kind    principalKind
	key     string // "AWS", "Federated", "Service", "CanonicalUser" or "*"
	value   string // as written
	account string // pAccount: the account ID
}

type principalElem struct {
	any     bool
	entries []principalEntry
}

func invalidPrincipal(key, value string) error {
	return malformed("Invalid principal in policy: \"%s\":\"%s\"", key, value)
}

func compilePrincipal(v *jvalue) (*principalElem, error) {
	pe := &principalElem{}
	if v.kind == jString {
		if v.str != "*" {
			return nil, malformed("Invalid principal in policy: %q", v.str)
		}
		pe.any = true
		pe.entries = []principalEntry{{kind: pAny, key: "*", value: "*"}}
		return pe, nil
	}
	if v.kind != jObject {
		return nil, malformed("Syntax errors in policy.")
	}
	if len(v.obj) == 0 {
		return nil, malformed("Invalid principal in policy: empty Principal")
	}
	for _, m := range v.obj {
		vals, ok := stringList(m.val)
		if !ok {
			return nil, malformed("Syntax errors in policy.")
		}
		if len(vals) == 0 {
			return nil, malformed("Invalid principal in policy: \"%s\":[]", m.key)
		}
		for _, s := range vals {
			e, err := compilePrincipalEntry(m.key, s)
			if err != nil {
				return nil, err
			}
			if e.kind == pAny {
				pe.any = true
			}
			pe.entries = append(pe.entries, e)
		}
	}
	return pe, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < 12; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

func compilePrincipalEntry(key, s string) (principalEntry, error) {
	e := principalEntry{key: key, value: s}
	switch key {
	case "AWS":
		if s == "*" {
			e.kind = pAny
			return e, nil
		}
		if hasWildcard(s) {
			return e, invalidPrincipal(key, s)
		}
		if isAccountID(s) {
			e.kind, e.account = pAccount, s
			return e, nil
		}
		parts, ok := splitARN(s)
		if !ok || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || !isAccountID(parts[4]) {
			return e, invalidPrincipal(key, s)
		}
		switch svc, res := parts[2], parts[5]; {
		case svc == "iam" && res == "root":
			e.kind, e.account = pAccount, parts[4]
		case svc == "iam" && (strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/")) && validPathName(res[5:]):
			e.kind = pARN
		case svc == "sts" && strings.HasPrefix(res, "assumed-role/") && strings.Count(res, "/") == 2 && !strings.HasSuffix(res, "/") && !strings.Contains(res, "//"):
			e.kind = pARN
		case svc == "sts" && strings.HasPrefix(res, "federated-user/") && len(res) > len("federated-user/"):
			e.kind = pARN
		default:
			return e, invalidPrincipal(key, s)
		}
		return e, nil
	case "Federated":
		if s == "" || hasWildcard(s) {
			return e, invalidPrincipal(key, s)
		}
		if strings.HasPrefix(s, "arn:") {
			parts, ok := splitARN(s)
			if !ok || parts[2] != "iam" || !isAccountID(parts[4]) ||
				!(strings.HasPrefix(parts[5], "oidc-provider/") && len(parts[5]) > len("oidc-provider/") ||
					strings.HasPrefix(parts[5], "saml-provider/") && len(parts[5]) > len("saml-provider/")) {
				return e, invalidPrincipal(key, s)
			}
		} else if !strings.Contains(s, ".") || strings.ContainsAny(s, " /:") {
			return e, invalidPrincipal(key, s)
		}
		e.kind = pFederated
		return e, nil
	case "Service":
		if s == "" || hasWildcard(s) || !strings.Contains(s, ".") || strings.ContainsAny(s, " /:") {
			return e, invalidPrincipal(key, s)
		}
		e.kind = pService
		return e, nil
	case "CanonicalUser":
		if s == "" || hasWildcard(s) {
			return e, invalidPrincipal(key, s)
		}
		e.kind = pCanonical
		return e, nil
	}
	return e, malformed("Invalid principal in policy: unknown principal type %q", key)
}

// validPathName checks the "path/name" part of a user or role ARN.
func validPathName(s string) bool {
	if s == "" || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
		return false
	}
	return utf8.ValidString(s)
}
