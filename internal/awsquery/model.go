package awsquery

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// Kind is the type of a modelled value, as botocore's service models name it.
type Kind uint8

// The kinds of shapes the Query protocol inputs use.
const (
	KindString Kind = iota
	KindInteger
	KindLong
	KindBoolean
	KindTimestamp
	KindBlob
	KindList
	KindStructure
	KindMap
)

// A Shape is the validation model of one input value, generated from
// botocore's service model (see modelgen). Shapes are immutable.
type Shape struct {
	Kind Kind
	// Min and Max bound a string's length in characters, a list's number of
	// members, or an integer's value. They apply only when HasMin/HasMax.
	Min, Max       int64
	HasMin, HasMax bool
	// Pattern, if set, must match the whole string.
	Pattern     *Matcher
	PatternText string
	// Enum, if non-empty, lists the allowed string values.
	Enum []string
	// Sensitive values (tokens, secrets, policies marked so in the model)
	// are never echoed in validation messages.
	Sensitive bool
	// Member is the element shape of a list.
	Member *Shape
	// Members are a structure's members, in model order.
	Members []Member
	// Key and Value are a map's key and value shapes.
	Key, Value *Shape
}

// A Member is a named member of a structure shape.
type Member struct {
	Name     string
	Required bool
	Shape    *Shape
}

// An Operation is one action of a Query API with its input model.
type Operation struct {
	Name  string
	Input *Shape // nil when the action takes no parameters
}

// Pattern compiles a model pattern anchored at both ends. It returns nil for
// patterns Go's regexp cannot express; such members are checked for length
// only.
func Pattern(expr string) *Matcher {
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil
	}
	return &Matcher{re: re, class: newClassMatcher(`^(?:` + expr + `)$`)}
}

// A Matcher tests strings against a model pattern. Nearly every pattern in
// the STS and IAM models is one repeated character class ("[\w+=,.@-]*",
// the ARN and policy-document classes); those are tested a character at a
// time against the class itself instead of by the regexp engine, which
// gives the same answer (the class comes from the regexp's own parse) at a
// fraction of the cost on long values such as policies and ARNs.
type Matcher struct {
	re    *regexp.Regexp
	class *classMatcher // nil: use re
}

// MatchString reports whether s matches the whole pattern.
func (m *Matcher) MatchString(s string) bool {
	if m.class != nil {
		return m.class.match(s)
	}
	return m.re.MatchString(s)
}

// classMatcher matches ^[class]*$ or ^[class]+$.
type classMatcher struct {
	ranges []rune // the class as sorted [lo, hi] pairs, as regexp/syntax gives it
	ascii  [utf8.RuneSelf]bool
	min    int // 0 for *, 1 for +
}

// newClassMatcher returns a matcher for an anchored expression that is one
// repeated character class, or nil for any other shape.
func newClassMatcher(anchored string) *classMatcher {
	re, err := syntax.Parse(anchored, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) != 3 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return nil
	}
	rep := re.Sub[1]
	m := &classMatcher{}
	switch rep.Op {
	case syntax.OpStar:
	case syntax.OpPlus:
		m.min = 1
	default:
		return nil
	}
	if len(rep.Sub) != 1 || rep.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	m.ranges = append([]rune(nil), rep.Sub[0].Rune...)
	for c := rune(0); c < utf8.RuneSelf; c++ {
		m.ascii[c] = m.contains(c)
	}
	return m
}

func (m *classMatcher) contains(r rune) bool {
	for i := 0; i+1 < len(m.ranges); i += 2 {
		if r < m.ranges[i] {
			return false
		}
		if r <= m.ranges[i+1] {
			return true
		}
	}
	return false
}

func (m *classMatcher) match(s string) bool {
	n := 0
	for i := 0; i < len(s); n++ {
		if c := s[i]; c < utf8.RuneSelf {
			if !m.ascii[c] {
				return false
			}
			i++
			continue
		}
		// Invalid UTF-8 decodes as U+FFFD of width 1, as in package regexp.
		r, w := utf8.DecodeRuneInString(s[i:])
		if !m.contains(r) {
			return false
		}
		i += w
	}
	return n >= m.min
}
