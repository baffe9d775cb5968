package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// FuzzParse checks that Parse never panics, that every error is a
// MalformedPolicyDocument, and that accepted policies evaluate and explain
// consistently.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		irsaTrust, anchorIdentity, anchorResource,
		`{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:role/${aws:username}"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{` + everyOperator() + `}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:sts::1:assumed-role/r/s"]},"Action":"sts:AssumeRole"}]}`,
		`[`, `{"a":"\ud800"}`, `{"Version":"2012-10-17","Statement":[]}`,
	} {
		for _, k := range []Kind{KindIdentity, KindResource, KindTrust, KindSCP, KindRCP} {
			f.Add(s, int(k))
		}
	}
	f.Fuzz(func(t *testing.T, doc string, kind int) {
		k := Kind(uint(kind) % 5)
		p, err := Parse(doc, k, 0)
		if err != nil {
			if ae, ok := apierror.As(err); !ok || ae.Code != "MalformedPolicyDocument" {
				t.Fatalf("error %v is not MalformedPolicyDocument", err)
			}
			return
		}
		ctx := NewContext()
		ctx.Set("aws:username", "alice")
		ctx.SetMulti("aws:TagKeys", []string{"a"})
		in := &Input{Request: Request{Principal: user(acct1, "alice"), Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctx}}
		if k == KindIdentity {
			in.IdentityPolicies = []*Policy{p}
		} else {
			in.ResourcePolicy = p
			in.ResourceIsRoleTrust = k == KindTrust
		}
		if d, r := Evaluate(in), Explain(in); d != r.Decision {
			t.Fatalf("Evaluate %v, Explain %v", d, r.Decision)
		}
	})
}

// globRegexp is an independent (backtracking-free RE2) oracle for GlobMatch.
func globRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzGlobMatch compares the linear glob matcher with a regular-expression
// oracle.
func FuzzGlobMatch(f *testing.F) {
	for _, s := range [][2]string{{"*a*b", "xaab"}, {"a?c", "aéc"}, {"*", ""}, {"x*?y", "xzy"}, {"a*b*a", "aba"}, {"**?", "é"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, text string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(text) || len(pat) > 200 || len(text) > 400 {
			return
		}
		got := GlobMatch(pat, text)
		want := globRegexp(pat).MatchString(text)
		if got != want {
			t.Fatalf("GlobMatch(%q, %q) = %v, regexp says %v", pat, text, got, want)
		}
	})
}

// FuzzDecodeSimulateRequest checks the request-file decoder never panics
// and that decoded inputs evaluate consistently.
func FuzzDecodeSimulateRequest(f *testing.F) {
	f.Add([]byte(`{"principal":"anonymous","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resourcePolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}}`))
	f.Add([]byte(`{"principal":"arn:aws:sts::111111111111:assumed-role/r/s","action":"s3:GetObject","resource":"*","context":{"aws:TagKeys":["a",1,true],"n":2},"scps":[[]],"rcps":[]}`))
	f.Add([]byte(`{"principal":"arn:aws:iam::111111111111:user/a","action":"sts:AssumeRole","resource":"arn:aws:iam::111111111111:role/r","resourcePolicy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111111111111\"},\"Action\":\"sts:AssumeRole\"}}"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := DecodeSimulateRequest(data)
		if err != nil {
			return
		}
		if d, r := Evaluate(in), Explain(in); d != r.Decision {
			t.Fatalf("Evaluate %v, Explain %v", d, r.Decision)
		}
		_ = r0(in)
	})
}

func r0(in *Input) string { return Explain(in).Text() }
