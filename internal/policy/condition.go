package policy

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famArn
	famNull
)

type cmpKind uint8

const (
	cmpEq cmpKind = iota
	cmpEqFold
	cmpLike
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

type opInfo struct {
	name string
	fam  family
	cmp  cmpKind
	neg  bool
}

// operators lists every IAM condition operator (without ForAllValues: /
// ForAnyValue: prefixes and the IfExists suffix).
var operators = []opInfo{
	{"StringEquals", famString, cmpEq, false},
	{"StringNotEquals", famString, cmpEq, true},
	{"StringEqualsIgnoreCase", famString, cmpEqFold, false},
	{"StringNotEqualsIgnoreCase", famString, cmpEqFold, true},
	{"StringLike", famString, cmpLike, false},
	{"StringNotLike", famString, cmpLike, true},
	{"NumericEquals", famNumeric, cmpEq, false},
	{"NumericNotEquals", famNumeric, cmpEq, true},
	{"NumericLessThan", famNumeric, cmpLT, false},
	{"NumericLessThanEquals", famNumeric, cmpLE, false},
	{"NumericGreaterThan", famNumeric, cmpGT, false},
	{"NumericGreaterThanEquals", famNumeric, cmpGE, false},
	{"DateEquals", famDate, cmpEq, false},
	{"DateNotEquals", famDate, cmpEq, true},
	{"DateLessThan", famDate, cmpLT, false},
	{"DateLessThanEquals", famDate, cmpLE, false},
	{"DateGreaterThan", famDate, cmpGT, false},
	{"DateGreaterThanEquals", famDate, cmpGE, false},
	{"Bool", famBool, cmpEq, false},
	{"BinaryEquals", famBinary, cmpEq, false},
	{"IpAddress", famIP, cmpEq, false},
	{"NotIpAddress", famIP, cmpEq, true},
	{"ArnEquals", famArn, cmpLike, false},
	{"ArnLike", famArn, cmpLike, false},
	{"ArnNotEquals", famArn, cmpLike, true},
	{"ArnNotLike", famArn, cmpLike, true},
	{"Null", famNull, cmpEq, false},
}

// Operators returns the names of every supported condition operator.
func Operators() []string {
	out := make([]string, len(operators))
	for i, o := range operators {
		out[i] = o.name
	}
	return out
}

type setOp uint8

const (
	setNone setOp = iota
	setForAll
	setForAny
)

// A condition is one (operator, key, values) triple of a Condition block.
type condition struct {
	opName   string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	op       *opInfo
	set      setOp
	ifExists bool
	keyName  string // as written
	key      string // lowercased
	values   []condValue
}

// condValue is one policy value, pre-parsed for its operator family.
type condValue struct {
	raw   string
	g     *glob // string / arn families (and wildcard or variable patterns)
	arn   [6]*glob
	isArn bool // famArn: raw has six parts
	num   float64
	t     int64 // famDate: Unix nanoseconds
	pfx   netip.Prefix
	bare  bool // famIP: written without a prefix length
	epoch bool // famDate: written as epoch seconds
	ok    bool // parsed successfully (numeric, date, ip, bool, null)
	b     bool // famBool / famNull
}

// parseOperator splits an operator name into its set qualifier, base
// operator and IfExists suffix.
func parseOperator(name string) (*opInfo, setOp, bool, bool) {
	base, set := name, setNone
	switch {
	case strings.HasPrefix(base, "ForAllValues:"):
		base, set = base[len("ForAllValues:"):], setForAll
	case strings.HasPrefix(base, "ForAnyValue:"):
		base, set = base[len("ForAnyValue:"):], setForAny
	}
	ifExists := false
	if strings.HasSuffix(base, "IfExists") {
		base, ifExists = base[:len(base)-len("IfExists")], true
	}
	for i := range operators {
		if operators[i].name == base {
			op := &operators[i]
			if op.fam == famNull && (ifExists || set != setNone) {
				return nil, 0, false, false
			}
			return op, set, ifExists, true
		}
	}
	return nil, 0, false, false
}

func compileConditions(v *jvalue, vars varMode, opts parseOpts) ([]*condition, error) {
	if v.kind != jObject {
		return nil, malformed("Syntax errors in policy.")
	}
	// Duplicate operator names and duplicate keys: the last one wins, as
	// with AWS's JSON parser.
	type block struct {
		name  string
		conds []*condition
	}
	var blocks []block
	for _, m := range v.obj {
		op, set, ifExists, ok := parseOperator(m.key)
		if !ok {
			return nil, malformed("Invalid Condition type : %s", m.key)
		}
		if m.val.kind != jObject {
			return nil, malformed("Syntax errors in policy.")
		}
		var conds []*condition
		seenKey := map[string]int{}
		for _, km := range m.val.obj {
			if !strings.Contains(km.key, ":") || strings.HasPrefix(km.key, ":") {
				return nil, malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
			}
			c := &condition{opName: m.key, op: op, set: set, ifExists: ifExists, keyName: km.key, key: strings.ToLower(km.key)}
			raws, err := conditionValues(km.val)
			if err != nil {
				return nil, err
			}
			for _, raw := range raws {
				c.values = append(c.values, compileCondValue(op, raw, vars, opts))
			}
			if i, dup := seenKey[km.key]; dup {
				conds[i] = c
				continue
			}
			seenKey[km.key] = len(conds)
			conds = append(conds, c)
		}
		replaced := false
		for i := range blocks {
			if blocks[i].name == m.key {
				blocks[i].conds, replaced = conds, true
			}
		}
		if !replaced {
			blocks = append(blocks, block{m.key, conds})
		}
	}
	var out []*condition
	for _, b := range blocks {
		out = append(out, b.conds...)
	}
	return out, nil
}

// conditionValues accepts a string, number or boolean, or an array of them.
func conditionValues(v *jvalue) ([]string, error) {
	switch v.kind {
	case jString, jNumber, jBool:
		return []string{v.str}, nil
	case jArray:
		out := make([]string, 0, len(v.arr))
		for _, e := range v.arr {
			switch e.kind {
			case jString, jNumber, jBool:
				out = append(out, e.str)
			default:
				return nil, malformed("Syntax errors in policy.")
			}
		}
		return out, nil
	}
	return nil, malformed("Syntax errors in policy.")
}

func compileCondValue(op *opInfo, raw string, vars varMode, opts parseOpts) condValue {
	cv := condValue{raw: raw}
	switch op.fam {
	case famString:
		switch op.cmp {
		case cmpLike:
			cv.g = compileGlob(raw, vars, true, false)
		case cmpEq, cmpEqFold:
			ev := vars
			if ev == varsOn && opts&parseSpecialVarsAsTextInEquals != 0 {
				ev = varsSpecialAsText
			}
			cv.g = compileGlob(raw, ev, false, op.cmp == cmpEqFold)
		}
	case famArn:
		if parts, ok := splitARN(raw); ok {
			cv.isArn = true
			for i := range parts {
				cv.arn[i] = compileGlob(parts[i], vars, true, false)
			}
		} else {
			cv.g = compileGlob(raw, vars, true, false)
		}
	case famNumeric:
		cv.num, cv.ok = parseNumber(raw)
	case famDate:
		cv.t, cv.ok = parseDate(raw)
		cv.epoch = isEpoch(raw)
	case famBool, famNull:
		switch strings.ToLower(raw) {
		case "true":
			cv.b, cv.ok = true, true
		case "false":
			cv.ok = true
		}
	case famIP:
		cv.pfx, cv.ok = parsePrefix(raw)
		cv.bare = !strings.Contains(raw, "/")
	case famBinary:
		cv.ok = true
	}
	return cv
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// dateLayouts are the ISO 8601 forms AWS accepts in Date conditions.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate parses an ISO 8601 date or epoch seconds into Unix nanoseconds.
func parseDate(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if isDigits(s) || (s[0] == '-' && isDigits(s[1:])) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, false
		}
		return n * int64(time.Second), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixNano(), true
		}
	}
	return 0, false
}

// isEpoch reports whether a date value is written as epoch seconds.
func isEpoch(s string) bool {
	s = strings.TrimSpace(s)
	return isDigits(s) || (len(s) > 1 && s[0] == '-' && isDigits(s[1:]))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parsePrefix parses a CIDR block or a single address (a /32 or /128).
func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), true
}

// condResult is the outcome of one condition for one request.
type condResult struct {
	matched bool
	missing bool // the key was absent from the request context
}

// evalCondition evaluates c against ctx. It does not allocate.
func evalCondition(c *condition, ctx *Context) condResult {
	e := ctx.lookup(c.key)
	if c.op.fam == famNull {
		present := e != nil // a present but empty multivalued key is not null
		for i := range c.values {
			v := &c.values[i]
			if v.ok && v.b != present {
				return condResult{matched: true, missing: !present}
			}
		}
		return condResult{matched: false, missing: !present}
	}
	if e == nil {
		switch {
		case c.ifExists && c.set == setForAny && ctx != nil && ctx.quirks&quirkForAnyValueIfExists != 0:
			return condResult{matched: false, missing: true}
		case c.ifExists:
			return condResult{matched: true, missing: true}
		case c.set == setForAll:
			return condResult{matched: true, missing: true}
		case c.set == setForAny:
			return condResult{matched: false, missing: true}
		}
		return condResult{matched: c.op.neg, missing: true}
	}
	switch c.set {
	case setForAll:
		for _, r := range e.values {
			if !valueResult(c, r, ctx) {
				return condResult{matched: false}
			}
		}
		return condResult{matched: true}
	case setForAny:
		for _, r := range e.values {
			if valueResult(c, r, ctx) {
				return condResult{matched: true}
			}
		}
		return condResult{matched: false}
	}
	if !e.multi {
		if len(e.values) == 0 {
			return condResult{matched: c.op.neg}
		}
		return condResult{matched: valueResult(c, e.values[0], ctx)}
	}
	// A multivalued key tested by an operator without ForAllValues: or
	// ForAnyValue: does not match, whatever the operator (positive or
	// negated): single-valued operators compare one request value, and a
	// set is not one. This is how the reference engine behaves and why IAM
	// Access Analyzer flags such conditions; policies must use a set
	// operator with multivalued keys.
	return condResult{matched: false}
}

// valueResult is the operator's verdict for one request value: for a
// positive operator, whether any policy value matches; for a negated one,
// whether none does.
func valueResult(c *condition, r string, ctx *Context) bool {
	m := anyValueMatches(c, r, ctx)
	if c.op.neg && !m && ctx != nil && ctx.quirks&quirkNegatedUnresolvedVar != 0 && hasUnresolvedVar(c, ctx) {
		m = true
	}
	if c.op.neg {
		return !m
	}
	return m
}

// anyValueMatches reports whether request value r matches at least one
// policy value under the positive form of the operator.
func anyValueMatches(c *condition, r string, ctx *Context) bool {
	switch c.op.fam {
	case famNumeric:
		x, ok := parseNumber(r)
		if !ok {
			return false
		}
		for i := range c.values {
			v := &c.values[i]
			if v.ok && cmpOrdered(c.op.cmp, x, v.num) {
				return true
			}
		}
		return false
	case famDate:
		x, ok := parseDate(r)
		if !ok {
			return false
		}
		msQuirk := ctx != nil && ctx.quirks&quirkEpochMillis != 0
		if msQuirk && isEpoch(r) {
			x /= 1000
		}
		for i := range c.values {
			v := &c.values[i]
			t := v.t
			if msQuirk && v.epoch {
				t /= 1000
			}
			if v.ok && cmpOrdered(c.op.cmp, x, t) {
				return true
			}
		}
		return false
	case famBool:
		var b bool
		switch {
		case strings.EqualFold(r, "true"):
			b = true
		case strings.EqualFold(r, "false"):
		default:
			return false
		}
		for i := range c.values {
			if c.values[i].ok && c.values[i].b == b {
				return true
			}
		}
		return false
	case famBinary:
		for i := range c.values {
			if c.values[i].raw == r {
				return true
			}
		}
		return false
	case famIP:
		a, err := netip.ParseAddr(strings.TrimSpace(r))
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		for i := range c.values {
			v := &c.values[i]
			if v.ok && v.bare && v.pfx.Addr().Is4() && a.Is6() && ctx != nil && ctx.quirks&quirkBareIPv4MatchesIPv6 != 0 {
				return true
			}
			if v.ok && v.pfx.Contains(a) {
				if v.pfx.Bits() == 0 && v.pfx.Addr().Is4() && ctx != nil && ctx.quirks&quirkIPv4SlashZero != 0 {
					continue
				}
				return true
			}
		}
		return false
	case famArn:
		parts, isArn := splitARN(r)
		for i := range c.values {
			v := &c.values[i]
			if v.isArn {
				if isArn && arnValueMatches(v, &parts, ctx) {
					return true
				}
			} else if (!isArn || v.g.onlyStar) && globMatchCtx(v.g, r, ctx, false) {
				// A value that is not ARN-shaped matches an ARN only if it
				// is "*": '*' does not span the ARN's colon-separated parts.
				return true
			}
		}
		return false
	}
	// famString
	for i := range c.values {
		v := &c.values[i]
		if c.op.cmp == cmpEqFold && v.g.literal {
			if strings.EqualFold(r, v.raw) {
				return true
			}
			continue
		}
		if globMatchCtx(v.g, r, ctx, c.op.cmp == cmpEqFold) {
			return true
		}
	}
	return false
}

// hasUnresolvedVar reports whether a value of c holds a policy variable
// that has neither a value nor a default (differential tests only).
func hasUnresolvedVar(c *condition, ctx *Context) bool {
	var buf [maxStackVars]string
	for i := range c.values {
		v := &c.values[i]
		gs := []*glob{v.g}
		if v.isArn {
			gs = v.arn[:]
		}
		for _, g := range gs {
			if g != nil && len(g.vars) > 0 {
				if _, ok := resolveVars(g, ctx, buf[:]); !ok {
					return true
				}
			}
		}
	}
	return false
}

func arnValueMatches(v *condValue, parts *[6]string, ctx *Context) bool {
	for i := 0; i < 6; i++ {
		if !globMatchCtx(v.arn[i], parts[i], ctx, false) {
			return false
		}
	}
	return true
}

// globMatchCtx resolves g's variables from ctx and matches s. A pattern
// whose variable has no value (and no default) matches nothing.
func globMatchCtx(g *glob, s string, ctx *Context, fold bool) bool {
	if len(g.vars) == 0 {
		return g.match(s, nil, fold)
	}
	var buf [maxStackVars]string
	vals, ok := resolveVars(g, ctx, buf[:])
	if !ok {
		return false
	}
	return g.match(s, vals, fold)
}

type ordered interface{ ~float64 | ~int64 }

func cmpOrdered[T ordered](k cmpKind, x, v T) bool {
	switch k {
	case cmpEq:
		return x == v
	case cmpLT:
		return x < v
	case cmpLE:
		return x <= v
	case cmpGT:
		return x > v
	case cmpGE:
		return x >= v
	}
	return false
}
