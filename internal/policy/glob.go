package policy

import (
	"strings"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/ascii"
)

// Glob patterns in IAM ('*' matches any run of characters, including none;
// '?' matches exactly one character) are compiled once into tokens. Policy
// variables compile to tokens whose text is looked up at evaluation time and
// is always literal: a '*' inside a user name is not a wildcard.
//
// The matcher splits the pattern at '*' into segments and places each
// segment at its leftmost possible position. That greedy placement is
// optimal for star-separated segments, so there is no backtracking: the cost
// is O(len(text) × len(segment)) in the worst case and linear for segments
// without '?' (strings.Index). Patterns such as "*a*a*a*...b" stay linear.

type tokKind uint8

const (
	tLit  tokKind = iota // literal text
	tOne                 // '?': exactly one character
	tStar                // '*': any run of characters
	tVar                 // a policy variable, literal once resolved
)

type tok struct {
	kind tokKind
	s    string // tLit text
	v    int    // tVar: index into glob.vars
}

// A glob is a compiled pattern.
type glob struct {
	src      string // the pattern as written in the policy
	toks     []tok
	vars     []*varRef
	hasWild  bool // contains '*' or '?'
	literal  bool // no wildcard and no variable: compare text directly
	onlyStar bool // the pattern is exactly "*"
}

// compileGlob compiles pattern. If vars is true, ${...} policy variables are
// recognised; otherwise '$', '{' and '}' are ordinary characters. If wild is
// false, '*' and '?' are literal too (StringEquals with variables). If lower
// is true, literal text is ASCII-lowercased (for case-insensitive matching
// the text is folded at match time).
func compileGlob(pattern string, vars varMode, wild, lower bool) *glob {
	g := &glob{src: pattern}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			s := lit.String()
			if lower {
				s = ascii.LowerString(s)
			}
			g.toks = append(g.toks, tok{kind: tLit, s: s})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case wild && c == '*':
			flush()
			if n := len(g.toks); n == 0 || g.toks[n-1].kind != tStar {
				g.toks = append(g.toks, tok{kind: tStar})
			}
			g.hasWild = true
			i++
		case wild && c == '?':
			flush()
			g.toks = append(g.toks, tok{kind: tOne})
			g.hasWild = true
			i++
		case vars != varsOff && c == '$' && strings.HasPrefix(pattern[i:], "${"):
			ref, n, ok := parseVarRef(pattern[i:])
			if !ok {
				lit.WriteByte(c)
				i++
				continue
			}
			if ref.literal != "" && vars == varsSpecialAsText {
				lit.WriteString(pattern[i : i+n])
			} else if ref.literal != "" {
				lit.WriteString(ref.literal)
			} else {
				flush()
				g.toks = append(g.toks, tok{kind: tVar, v: len(g.vars)})
				g.vars = append(g.vars, ref)
			}
			i += n
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	g.literal = !g.hasWild && len(g.vars) == 0
	g.onlyStar = len(g.toks) == 1 && g.toks[0].kind == tStar
	return g
}

// varMode says whether ${...} policy variables are recognised.
type varMode uint8

const (
	varsOff           varMode = iota // Version 2008-10-17 or absent: all text is literal
	varsOn                           // Version 2012-10-17
	varsSpecialAsText                // differential tests only: ${*}, ${?}, ${$} stay as written
)

// maxStackVars is how many variable values a pattern can carry without the
// matcher allocating.
const maxStackVars = 8

// match reports whether s matches g. vals holds the resolved value of each
// variable (len(vals) == len(g.vars)). If fold is true the pattern's literal
// text must already be lowercase and s is compared ASCII-case-insensitively.
func (g *glob) match(s string, vals []string, fold bool) bool {
	if g.onlyStar {
		return true
	}
	if g.literal {
		lit := ""
		if len(g.toks) == 1 {
			lit = g.toks[0].s
		}
		if fold {
			return ascii.EqualLower(s, lit)
		}
		return s == lit
	}
	return matchToks(g.toks, vals, s, fold)
}

// matchToks is the segment matcher described at the top of the file.
func matchToks(toks []tok, vals []string, s string, fold bool) bool {
	// Leading segment: anchored at the start.
	i := 0
	for i < len(toks) && toks[i].kind != tStar {
		i++
	}
	n, ok := segPrefix(toks[:i], vals, s, fold)
	if !ok {
		return false
	}
	if i == len(toks) {
		return n == len(s) // no star at all
	}
	pos := n
	// Trailing segment: anchored at the end.
	j := len(toks)
	for j > i && toks[j-1].kind != tStar {
		j--
	}
	end, ok := segSuffix(toks[j:], vals, s[pos:], fold)
	if !ok {
		return false
	}
	limit := pos + end // text available to middle segments is s[pos:limit]
	// Middle segments between stars, each placed leftmost.
	k := i + 1
	for k < j {
		m := k
		for m < j && toks[m].kind != tStar {
			m++
		}
		seg := toks[k:m]
		found, after := segFind(seg, vals, s[:limit], pos, fold)
		if !found {
			return false
		}
		pos = after
		k = m + 1
	}
	return true
}

// segPrefix matches seg (no stars) at the start of s and returns the number
// of bytes consumed.
func segPrefix(seg []tok, vals []string, s string, fold bool) (int, bool) {
	n := 0
	for _, t := range seg {
		switch t.kind {
		case tLit:
			if !hasPrefixFold(s[n:], t.s, fold) {
				return 0, false
			}
			n += len(t.s)
		case tVar:
			v := vals[t.v]
			if !hasPrefixFoldAny(s[n:], v, fold) {
				return 0, false
			}
			n += len(v)
		case tOne:
			if n >= len(s) {
				return 0, false
			}
			_, w := utf8.DecodeRuneInString(s[n:])
			n += w
		}
	}
	return n, true
}

// segSuffix matches seg at the end of s and returns the offset where the
// match starts.
func segSuffix(seg []tok, vals []string, s string, fold bool) (int, bool) {
	e := len(s)
	for k := len(seg) - 1; k >= 0; k-- {
		t := seg[k]
		switch t.kind {
		case tLit:
			if !hasSuffixFold(s[:e], t.s, fold) {
				return 0, false
			}
			e -= len(t.s)
		case tVar:
			v := vals[t.v]
			if len(v) > e || !hasPrefixFoldAny(s[e-len(v):e], v, fold) {
				return 0, false
			}
			e -= len(v)
		case tOne:
			if e == 0 {
				return 0, false
			}
			_, w := utf8.DecodeLastRuneInString(s[:e])
			e -= w
		}
	}
	return e, true
}

// segFind finds the leftmost match of seg in s at or after from, returning
// the offset just past it.
func segFind(seg []tok, vals []string, s string, from int, fold bool) (bool, int) {
	if len(seg) == 1 && !fold {
		var needle string
		switch seg[0].kind {
		case tLit:
			needle = seg[0].s
		case tVar:
			needle = vals[seg[0].v]
		}
		if seg[0].kind != tOne {
			idx := strings.Index(s[from:], needle)
			if idx < 0 {
				return false, 0
			}
			return true, from + idx + len(needle)
		}
	}
	for p := from; p <= len(s); {
		if n, ok := segPrefix(seg, vals, s[p:], fold); ok {
			return true, p + n
		}
		if p == len(s) {
			break
		}
		_, w := utf8.DecodeRuneInString(s[p:])
		p += w
	}
	return false, 0
}

// hasPrefixFold: lit is already lowercase when fold is true.
func hasPrefixFold(s, lit string, fold bool) bool {
	if len(s) < len(lit) {
		return false
	}
	if !fold {
		return s[:len(lit)] == lit
	}
	return ascii.EqualLower(s[:len(lit)], lit)
}

// hasPrefixFoldAny compares without assuming either side is lowercase.
func hasPrefixFoldAny(s, v string, fold bool) bool {
	if len(s) < len(v) {
		return false
	}
	if !fold {
		return s[:len(v)] == v
	}
	for i := 0; i < len(v); i++ {
		if ascii.Lower(s[i]) != ascii.Lower(v[i]) {
			return false
		}
	}
	return true
}

func hasSuffixFold(s, lit string, fold bool) bool {
	if len(s) < len(lit) {
		return false
	}
	if !fold {
		return s[len(s)-len(lit):] == lit
	}
	return ascii.EqualLower(s[len(s)-len(lit):], lit)
}

// GlobMatch reports whether text matches the IAM wildcard pattern ('*' any
// run of characters, '?' one character), case-sensitively. It is the
// matcher the engine uses for Resource, StringLike and ArnLike, exported for
// tests and tools; it is linear-time for typical patterns and never
// backtracks.
func GlobMatch(pattern, text string) bool {
	return compileGlob(pattern, varsOff, true, false).match(text, nil, false)
}
