package policy

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestParseErrors(t *testing.T) {
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	tests := []struct {
		name string
		doc  string
		kind Kind
		max  int
		want string // exact message, or prefix ending in "..."
	}{
		{"not JSON", `{"Version":`, KindIdentity, 0, "Syntax errors in policy."},
		{"not an object", `[]`, KindIdentity, 0, "Syntax errors in policy."},
		{"bad version", `{"Version":"2012-10-18","Statement":[]}`, KindIdentity, 0, "The policy failed legacy parsing"},
		{"missing statement", `{"Version":"2012-10-17"}`, KindIdentity, 0, "Missing required field Statement"},
		{"unknown element", `{"Version":"2012-10-17","Statement":[],"Foo":1}`, KindIdentity, 0, `Syntax errors in policy. Unknown element "Foo"`},
		{"bad effect", stmt(`{"Effect":"Alow","Action":"s3:*","Resource":"*"}`), KindIdentity, 0, "Invalid effect: Alow"},
		{"missing effect", stmt(`{"Action":"s3:*","Resource":"*"}`), KindIdentity, 0, "Missing required field Effect"},
		{"missing action", stmt(`{"Effect":"Allow","Resource":"*"}`), KindIdentity, 0, "Policy statement must contain actions."},
		{"missing resource", stmt(`{"Effect":"Allow","Action":"s3:*"}`), KindIdentity, 0, "Policy statement must contain resources."},
		{"action without vendor", stmt(`{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), KindIdentity, 0, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"bad vendor", stmt(`{"Effect":"Allow","Action":"s3*:GetObject","Resource":"*"}`), KindIdentity, 0, "Action vendors must only contain alphanumeric characters and/or the following: -_"},
		{"invalid resource ARN", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"bucket/*"}`), KindIdentity, 0, `Resource bucket/* must be in ARN format or "*".`},
		{"unknown operator", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:x":"y"}}}`), KindIdentity, 0, "Invalid Condition type : StringEqualz"},
		{"Null IfExists", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"aws:x":"true"}}}`), KindIdentity, 0, "Invalid Condition type : NullIfExists"},
		{"condition key without vendor", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"team":"y"}}}`), KindIdentity, 0, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"principal in identity policy", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), KindIdentity, 0, "Policy document should not specify a principal."},
		{"NotPrincipal in identity policy", stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"111111111111"},"Action":"s3:*","Resource":"*"}`), KindIdentity, 0, "Policy document should not specify a principal."},
		{"NotPrincipal in trust policy", stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}`), KindTrust, 0, "Has prohibited field NotPrincipal"},
		{"missing principal in trust policy", stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), KindTrust, 0, "Missing required field Principal"},
		{"resource in trust policy", stmt(`{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Resource":"*"}`), KindTrust, 0, "Has prohibited field Resource"},
		{"non-sts action in trust policy", stmt(`{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject"}`), KindTrust, 0, "AssumeRole policy may only specify STS AssumeRole actions."},
		{"missing principal in resource policy", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), KindResource, 0, "Missing required field Principal"},
		{"invalid AWS principal", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:group/g"},"Action":"sts:AssumeRole"}`), KindTrust, 0, `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:group/g"`},
		{"partial wildcard principal", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/*"},"Action":"sts:AssumeRole"}`), KindTrust, 0, `Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:user/*"`},
		{"short account principal", stmt(`{"Effect":"Allow","Principal":{"AWS":"1234"},"Action":"sts:AssumeRole"}`), KindTrust, 0, `Invalid principal in policy: "AWS":"1234"`},
		{"bad federated principal", stmt(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:user/x"},"Action":"sts:AssumeRoleWithWebIdentity"}`), KindTrust, 0, `Invalid principal in policy: "Federated":"arn:aws:iam::111111111111:user/x"`},
		{"unknown principal type", stmt(`{"Effect":"Allow","Principal":{"Bogus":"x"},"Action":"sts:AssumeRole"}`), KindTrust, 0, `Invalid principal in policy: unknown principal type "Bogus"`},
		{"duplicate sid", stmt(`{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}`), KindIdentity, 0, "Statement IDs (SID) in a single policy must be unique."},
		{"non-alphanumeric sid", stmt(`{"Sid":"a b","Effect":"Allow","Action":"s3:*","Resource":"*"}`), KindIdentity, 0, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"RCP allow", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`), KindRCP, 0, "Syntax errors in policy. A resource control policy may contain only Deny statements"},
		{"RCP principal", stmt(`{"Effect":"Deny","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"*"}`), KindRCP, 0, `Invalid principal in policy: a resource control policy must specify "Principal": "*"`},
		{"SCP principal", stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`), KindSCP, 0, "Policy document should not specify a principal."},
		{"inline user size", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::` + strings.Repeat("a", 2100) + `"}`), KindIdentity, MaxInlineUserPolicySize, "Cannot exceed quota for PolicySize: 2048"},
		{"trust size", stmt(`{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + strings.Repeat("x", 2100) + `"}}}`), KindTrust, MaxTrustPolicySize, "Cannot exceed quota for ACLSizePerRole: 2048"},
		{"deep nesting", strings.Repeat("[", 10000) + strings.Repeat("]", 10000), KindIdentity, 0, "Syntax errors in policy."},
		{"deep nesting in statement", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat("}", 100) + `}`), KindIdentity, 0, "Syntax errors in policy."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.doc, tc.kind, tc.max)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			ae, ok := apierror.As(err)
			if !ok || ae.Code != "MalformedPolicyDocument" {
				t.Fatalf("error %v is not MalformedPolicyDocument", err)
			}
			if ae.Message != tc.want {
				t.Errorf("message %q, want %q", ae.Message, tc.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		kind Kind
		max  int
	}{
		{"statement object, no version", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, KindIdentity, 0},
		{"2008 version", `{"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"NotResource":["arn:aws:s3:::secret/*"]}]}`, KindIdentity, 0},
		{"all principal forms", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*","111111111111","arn:aws:iam::111111111111:root","arn:aws:iam::111111111111:user/p/a","arn:aws:iam::111111111111:role/r","arn:aws:sts::111111111111:assumed-role/r/s","arn:aws:sts::111111111111:federated-user/f"],"Federated":["arn:aws:iam::111111111111:oidc-provider/oidc.example.com/id/X","arn:aws:iam::111111111111:saml-provider/okta","accounts.google.com"],"Service":["pods.eks.amazonaws.com"],"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"*"}]}`, KindResource, 0},
		{"principal star", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, KindTrust, 0},
		{"every operator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{` + everyOperator() + `}}]}`, KindIdentity, 0},
		{"RCPFullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, KindRCP, 0},
		{"whitespace does not count", "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::" + strings.Repeat("a", 1900) + "\"}]}" + strings.Repeat(" \n\t", 5000), KindIdentity, MaxInlineUserPolicySize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.doc, tc.kind, tc.max); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func everyOperator() string {
	var parts []string
	for _, op := range Operators() {
		parts = append(parts, `"`+op+`":{"aws:k":"1"}`)
		if op != "Null" {
			parts = append(parts, `"`+op+`IfExists":{"aws:k":"1"}`, `"ForAllValues:`+op+`":{"aws:k":["1"]}`, `"ForAnyValue:`+op+`":{"aws:k":[1,true]}`)
		}
	}
	return strings.Join(parts, ",")
}

func TestHostileDocuments(t *testing.T) {
	// A 1 MB document is rejected by size before parsing, and parses in
	// linear time when no limit is given.
	big := `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},`, 15000)
	big = big[:len(big)-1] + `]}`
	if len(big) < 1<<20 {
		t.Fatalf("document is only %d bytes", len(big))
	}
	if _, err := Parse(big, KindIdentity, MaxManagedPolicySize); err == nil {
		t.Fatal("1 MB managed policy accepted")
	}
	p, err := Parse(big, KindIdentity, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 15000 {
		t.Fatalf("%d statements", p.Len())
	}
	in := &Input{Request: Request{Principal: user(acct1, "bob"), Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"}, IdentityPolicies: []*Policy{p}}
	if Evaluate(in) != ImplicitDeny {
		t.Fatal("thousands of statements: wrong decision")
	}
	// Pathological wildcards: linear, no backtracking.
	pat := strings.Repeat("*a", 5000) + "*b"
	text := strings.Repeat("a", 100000)
	if GlobMatch(pat, text) {
		t.Fatal("pathological pattern matched")
	}
	if !GlobMatch(pat, text+"b") {
		t.Fatal("pathological pattern did not match")
	}
	if GlobMatch(strings.Repeat("?", 50)+strings.Repeat("*a?", 2000), strings.Repeat("a", 100000)) == false {
		t.Fatal("expected match")
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, text string
		want      bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"*", "anything/at:all", true},
		{"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "ac", true}, {"a*c", "ab", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"a?c", "aéc", true}, {"??", "é", false},
		{"*a*b*c*", "xaybzc", true}, {"*a*b*c*", "xaycb", false}, {"a**b", "ab", true},
		{"*ab", "aab", true}, {"*aab", "aaab", true}, {"a*b*a", "aba", true}, {"a*b*a", "ab", false},
		{"x*?y", "xy", false}, {"x*?y", "xzy", true},
	}
	for _, tc := range tests {
		if got := GlobMatch(tc.pat, tc.text); got != tc.want {
			t.Errorf("GlobMatch(%q, %q) = %v, want %v", tc.pat, tc.text, got, tc.want)
		}
	}
}

func TestStatementPositions(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\n      \"Sid\": \"B\", \"Effect\": \"Deny\", \"Action\": \"s3:Delete*\", \"Resource\": \"*\"\n    }\n  ]\n}"
	p := MustParse(doc, KindIdentity)
	want := [][2]Position{{{4, 5}, {4, 71}}, {{5, 5}, {7, 6}}}
	for i, s := range p.stmts {
		if s.start != want[i][0] || s.end != want[i][1] {
			t.Errorf("statement %d: %v-%v, want %v-%v", i, s.start, s.end, want[i][0], want[i][1])
		}
	}
}

// TestGoldenTraces renders the explanation of each testdata/explain/*.json
// simulate request as text and JSON and compares with the .golden files
// (go test -run TestGoldenTraces -update rewrites them).
func TestGoldenTraces(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "explain", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, err := DecodeSimulateRequest(data)
			if err != nil {
				t.Fatal(err)
			}
			r := Explain(in)
			if r.Decision != Evaluate(in) {
				t.Fatal("Explain and Evaluate disagree")
			}
			var js map[string]any
			if err := json.Unmarshal(r.JSON(), &js); err != nil || js["decision"] != r.Decision.String() {
				t.Fatalf("JSON rendering: %v", err)
			}
			for ext, got := range map[string][]byte{".txt.golden": []byte(r.Text()), ".json.golden": r.JSON()} {
				golden := strings.TrimSuffix(f, ".json") + ext
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update)", err)
				}
				if string(want) != string(got) {
					t.Errorf("%s differs from the golden file (run with -update and review):\n%s", golden, got)
				}
			}
		})
	}
}
