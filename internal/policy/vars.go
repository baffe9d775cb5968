package policy

import "strings"

// A varRef is one ${...} policy variable. Variables are substituted only in
// policies with Version 2012-10-17, only in the resource part of
// Resource/NotResource and in String*/Arn* condition values, and only from
// single-valued context keys. Substituted text is literal.
type varRef struct {
	name    string // the key as written, e.g. "aws:PrincipalTag/team"
	key     string // lowercased name, for lookup
	def     string // default value from ${key, 'default'}
	hasDef  bool
	literal string // for ${*}, ${?} and ${$}: the literal character
}

// parseVarRef parses a variable at the start of s (which begins with "${").
// It returns the reference and the number of bytes consumed. ok is false
// when the text is not a well-formed variable, in which case it is literal.
func parseVarRef(s string) (ref *varRef, n int, ok bool) {
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return nil, 0, false
	}
	body := s[2:end]
	switch body {
	case "*", "?", "$":
		return &varRef{literal: body}, end + 1, true
	case "":
		return nil, 0, false
	}
	name, def, hasDef := body, "", false
	if c := strings.IndexByte(body, ','); c >= 0 {
		name = strings.TrimSpace(body[:c])
		rest := strings.TrimSpace(body[c+1:])
		if len(rest) < 2 || rest[0] != '\'' || rest[len(rest)-1] != '\'' {
			return nil, 0, false
		}
		def, hasDef = rest[1:len(rest)-1], true
	}
	if name == "" || strings.ContainsAny(name, " \t${'") {
		return nil, 0, false
	}
	return &varRef{name: name, key: strings.ToLower(name), def: def, hasDef: hasDef}, end + 1, true
}

// resolveVars looks up every variable of g in ctx, writing the values into
// buf (reusing its storage). ok is false when a variable has neither a
// single value nor a default: the pattern then matches nothing.
func resolveVars(g *glob, ctx *Context, buf []string) (vals []string, ok bool) {
	vals = buf[:0]
	for _, v := range g.vars {
		val, found := ctx.single(v.key)
		if !found {
			if !v.hasDef {
				return nil, false
			}
			val = v.def
		}
		vals = append(vals, val)
	}
	return vals, true
}
