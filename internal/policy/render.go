package policy

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MarshalJSON renders the result as
//
//	{"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied",
//	 "summary": "...", "reason": "...", "request": {...},
//	 "matchedStatements": [...], "missingContextValues": [...],
//	 "decisive": [...], "policies": [...trace...]}
func (r *Result) MarshalJSON() ([]byte, error) {
	type trace struct {
		Decision             string             `json:"decision"`
		Summary              string             `json:"summary"`
		Reason               string             `json:"reason"`
		Request              RequestEcho        `json:"request"`
		MatchedStatements    []MatchedStatement `json:"matchedStatements"`
		MissingContextValues []string           `json:"missingContextValues"`
		Decisive             []StatementRef     `json:"decisive"`
		Policies             []PolicyTrace      `json:"policies"`
	}
	t := trace{
		Decision:             r.Decision.String(),
		Summary:              r.summary,
		Reason:               r.Reason,
		Request:              r.Request,
		MatchedStatements:    r.MatchedStatements,
		MissingContextValues: r.MissingContextValues,
		Decisive:             r.Decisive,
		Policies:             r.Policies,
	}
	if t.MatchedStatements == nil {
		t.MatchedStatements = []MatchedStatement{}
	}
	if t.MissingContextValues == nil {
		t.MissingContextValues = []string{}
	}
	if t.Decisive == nil {
		t.Decisive = []StatementRef{}
	}
	if t.Policies == nil {
		t.Policies = []PolicyTrace{}
	}
	return json.Marshal(t)
}

// JSON renders the result as indented JSON (see MarshalJSON).
func (r *Result) JSON() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		// Result holds only strings, bools, ints and slices of them.
		panic(err)
	}
	return append(b, '\n')
}

// Text renders the result for people: the decision, the one-line summary,
// then every policy and statement with each element's request and policy
// values side by side ("✓" matched, "✗" did not).
func (r *Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "decision: %s\n", r.Decision)
	fmt.Fprintf(&b, "summary:  %s\n", r.summary)
	scope := "same account"
	if !r.Request.SameAccount {
		scope = "cross-account or non-IAM principal"
	}
	fmt.Fprintf(&b, "request:  %s (%s) %s on %s", r.Request.Principal, r.Request.PrincipalType, r.Request.Action, r.Request.Resource)
	if r.Request.ResourceAccount != "" {
		fmt.Fprintf(&b, " in account %s", r.Request.ResourceAccount)
	}
	fmt.Fprintf(&b, " [%s]\n", scope)
	for _, pt := range r.Policies {
		fmt.Fprintf(&b, "\n%s policy %s", pt.Type, pt.PolicyID)
		if pt.Type == "scp" || pt.Type == "rcp" {
			fmt.Fprintf(&b, " (level %d)", pt.Level)
		}
		verdict := "no statement applies"
		switch {
		case pt.Denies && pt.Allows:
			verdict = "allows and denies"
		case pt.Denies:
			verdict = "denies"
		case pt.Allows:
			verdict = "allows"
		}
		fmt.Fprintf(&b, ": %s\n", verdict)
		for _, st := range pt.Statements {
			applies := "does not apply"
			if st.Matched {
				applies = "applies"
			}
			fmt.Fprintf(&b, "  statement %s %s (line %d col %d to line %d col %d): %s\n",
				stmtName(st.Sid, st.Index), st.Effect, st.Start.Line, st.Start.Column, st.End.Line, st.End.Column, applies)
			writeElement(&b, &st.Action)
			if st.Resource != nil {
				writeElement(&b, st.Resource)
			}
			if st.Principal != nil {
				writeElement(&b, st.Principal)
				if st.Grant != "" {
					fmt.Fprintf(&b, "      (principal named as: %s)\n", st.Grant)
				}
			}
			for _, c := range st.Conditions {
				mark := "✗"
				if c.Matched {
					mark = "✓"
				}
				req := quoteList(c.RequestValues)
				if c.Missing {
					req = "(absent)"
				} else if len(c.RequestValues) == 0 {
					req = "[]"
				}
				fmt.Fprintf(&b, "    %s Condition %s %s: request %s | policy %s\n", mark, c.Operator, c.Key, req, quoteList(c.PolicyValues))
			}
		}
	}
	if len(r.MatchedStatements) > 0 {
		b.WriteString("\nmatched statements:\n")
		for _, m := range r.MatchedStatements {
			fmt.Fprintf(&b, "  %s (%s) %d:%d-%d:%d\n", m.SourcePolicyId, m.SourcePolicyType, m.StartPosition.Line, m.StartPosition.Column, m.EndPosition.Line, m.EndPosition.Column)
		}
	}
	if len(r.MissingContextValues) > 0 {
		fmt.Fprintf(&b, "\nmissing context values: %s\n", strings.Join(r.MissingContextValues, ", "))
	}
	return b.String()
}

func writeElement(b *strings.Builder, e *ElementTrace) {
	mark := "✗"
	if e.Matched {
		mark = "✓"
	}
	detail := "matches none of " + quoteList(e.PolicyValues)
	switch {
	case strings.HasPrefix(e.Element, "Not") && e.MatchedValue != "":
		detail = "excluded by " + fmt.Sprintf("%q", e.MatchedValue)
	case strings.HasPrefix(e.Element, "Not"):
		detail = "not in " + quoteList(e.PolicyValues)
	case e.MatchedValue != "":
		detail = "matches " + fmt.Sprintf("%q", e.MatchedValue)
	}
	fmt.Fprintf(b, "    %s %s %q %s\n", mark, e.Element, e.Request, detail)
}
