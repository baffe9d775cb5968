package policy

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file holds a small, strict JSON parser (RFC 8259) that keeps the byte
// offset of every value, so statements can be reported with AWS's
// StartPosition/EndPosition. It bounds nesting depth and never backtracks:
// parsing is linear in the input size.

// maxJSONDepth bounds nesting. A policy needs at most six levels
// (document, Statement array, statement, Condition, operator, key array);
// anything much deeper is hostile input.
const maxJSONDepth = 32

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

func (k jkind) String() string {
	switch k {
	case jNull:
		return "null"
	case jBool:
		return "boolean"
	case jNumber:
		return "number"
	case jString:
		return "string"
	case jArray:
		return "array"
	}
	return "object"
}

// A jvalue is one parsed JSON value. For strings str is the decoded value;
// for numbers and booleans it is the literal text.
type jvalue struct {
	kind  jkind
	str   string
	arr   []*jvalue
	obj   []jmember
	start int // offset of the first byte of the value
	end   int // offset just past the last byte of the value
}

type jmember struct {
	key string
	val *jvalue
}

// get returns the last member named key (JSON parsers used by AWS keep the
// last of duplicate keys), or nil.
func (v *jvalue) get(key string) *jvalue {
	var found *jvalue
	for i := range v.obj {
		if v.obj[i].key == key {
			found = v.obj[i].val
		}
	}
	return found
}

var errJSONSyntax = errors.New("json syntax error")

type jparser struct {
	s     string
	i     int
	depth int
}

// parseJSON parses s as exactly one JSON value surrounded by optional
// whitespace.
func parseJSON(s string) (*jvalue, error) {
	p := &jparser{s: s}
	p.ws()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, errJSONSyntax
	}
	return v, nil
}

func (p *jparser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) value() (*jvalue, error) {
	if p.i >= len(p.s) {
		return nil, errJSONSyntax
	}
	start := p.i
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		str, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jvalue{kind: jString, str: str, start: start, end: p.i}, nil
	case c == 't':
		return p.lit("true", jBool)
	case c == 'f':
		return p.lit("false", jBool)
	case c == 'n':
		return p.lit("null", jNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, errJSONSyntax
}

func (p *jparser) lit(word string, k jkind) (*jvalue, error) {
	if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
		return nil, errJSONSyntax
	}
	start := p.i
	p.i += len(word)
	return &jvalue{kind: k, str: word, start: start, end: p.i}, nil
}

func (p *jparser) number() (*jvalue, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, errJSONSyntax
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, errJSONSyntax
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, errJSONSyntax
		}
	}
	return &jvalue{kind: jNumber, str: p.s[start:p.i], start: start, end: p.i}, nil
}

func (p *jparser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return errJSONSyntax
	}
	return nil
}

func (p *jparser) object() (*jvalue, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	v := &jvalue{kind: jObject, start: p.i}
	p.i++ // {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		v.end = p.i
		p.depth--
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, errJSONSyntax
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, errJSONSyntax
		}
		p.i++
		p.ws()
		val, err := p.value()
		if err != nil {
			return nil, err
		}
		v.obj = append(v.obj, jmember{key: key, val: val})
		p.ws()
		if p.i >= len(p.s) {
			return nil, errJSONSyntax
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == '}' {
			p.i++
			v.end = p.i
			p.depth--
			return v, nil
		}
		return nil, errJSONSyntax
	}
}

func (p *jparser) array() (*jvalue, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	v := &jvalue{kind: jArray, start: p.i}
	p.i++ // [
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		v.end = p.i
		p.depth--
		return v, nil
	}
	for {
		p.ws()
		el, err := p.value()
		if err != nil {
			return nil, err
		}
		v.arr = append(v.arr, el)
		p.ws()
		if p.i >= len(p.s) {
			return nil, errJSONSyntax
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == ']' {
			p.i++
			v.end = p.i
			p.depth--
			return v, nil
		}
		return nil, errJSONSyntax
	}
}

// str parses a JSON string starting at the opening quote. Strings without
// escapes are returned as substrings of the input (no copy).
func (p *jparser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if !utf8.ValidString(s) {
				return "", errJSONSyntax
			}
			return s, nil
		}
		if c == '\\' {
			return p.strSlow(start)
		}
		if c < 0x20 {
			return "", errJSONSyntax
		}
		p.i++
	}
	return "", errJSONSyntax
}

func (p *jparser) strSlow(start int) (string, error) {
	buf := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return "", errJSONSyntax
			}
			return string(buf), nil
		case c < 0x20:
			return "", errJSONSyntax
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			return "", errJSONSyntax
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errJSONSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					lo, ok := p.hex4()
					if ok {
						if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
							r2 = d
						} else {
							p.i = save
						}
					} else {
						return "", errJSONSyntax
					}
				}
				r = r2
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", errJSONSyntax
		}
	}
	return "", errJSONSyntax
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// lineCol converts byte offsets into AWS's 1-based line and column numbers.
// Columns count characters (runes), not bytes.
type lineIndex struct {
	s     string
	lines []int // offsets of line starts
	// A cursor makes increasing offsets on one long line cost linear time
	// in total: the rune count continues from the previous position.
	curOff, curLine, curCol int
}

func newLineIndex(s string) *lineIndex {
	li := &lineIndex{s: s, lines: []int{0}}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			li.lines = append(li.lines, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(off int) Position {
	lo, hi := 0, len(li.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	var col int
	if li.curLine == lo+1 && off >= li.curOff {
		col = li.curCol + utf8.RuneCountInString(li.s[li.curOff:off])
	} else {
		col = utf8.RuneCountInString(li.s[li.lines[lo]:off]) + 1
	}
	li.curOff, li.curLine, li.curCol = off, lo+1, col
	return Position{Line: lo + 1, Column: col}
}
