package world

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoParses(t *testing.T) {
	f, err := Parse("demo.yaml", Demo(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Accounts) != 2 || len(f.Clusters) != 1 {
		t.Fatalf("demo world has %d accounts, %d clusters", len(f.Accounts), len(f.Clusters))
	}
	doc := f.Accounts[0].Roles[0].TrustPolicy.JSON
	if !strings.Contains(doc, `"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"`) {
		t.Fatalf("trust policy not converted to JSON: %s", doc)
	}
}

func TestValidationErrorsNamePaths(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown key", "accounts:\n  - id: \"123456789012\"\n    usres: []\n", []string{`unknown field "usres"`}},
		{"bad account", "accounts:\n  - id: 12345\n", []string{"accounts[0].id: \"12345\" is not a 12-digit account ID"}},
		{"bad role", `accounts:
  - id: "123456789012"
    roles:
      - name: ok
        trustPolicy: {Version: "2012-10-17", Statement: []}
      - name: "bad name!"
        maxSessionDuration: 10
      - name: OK
        trustPolicy: '{"Version":"2012-10-17","Statement":[]}'
`, []string{
			"accounts[0].roles[1].name: \"bad name!\" is not a valid role name",
			"accounts[0].roles[1].maxSessionDuration: must be between 3600 and 43200 seconds",
			"accounts[0].roles[1].trustPolicy: policy document is required",
			"accounts[0].roles[2].name: role \"OK\" is already declared at accounts[0].roles[0]",
		}},
		{"cluster refs", `accounts: [{id: "123456789012"}]
clusters:
  - name: c1
    account: "999999999999"
    authenticationMode: NOPE
    accessEntries:
      - principalArn: nope
        accessPolicies: [{policyArn: x, accessScope: {type: namespace}}]
    podIdentityAssociations:
      - {namespace: Bad_NS, serviceAccount: sa, roleArn: "arn:aws:iam::123456789012:user/u"}
`, []string{
			"clusters[0].account: account \"999999999999\" is not declared",
			"clusters[0].authenticationMode: \"NOPE\" is not one of",
			"clusters[0].accessEntries[0].principalArn: \"nope\" is not an ARN",
			"clusters[0].accessEntries[0].accessPolicies[0].policyArn",
			"clusters[0].accessEntries[0].accessPolicies[0].accessScope.namespaces: a namespace scope needs at least one namespace",
			"clusters[0].podIdentityAssociations[0].namespace",
			"clusters[0].podIdentityAssociations[0].roleArn: \"arn:aws:iam::123456789012:user/u\" is not a role ARN",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tt.src), nil)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "w.yaml") {
				t.Errorf("error does not name the file: %s", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestPolicyCheckerPathsJoin(t *testing.T) {
	src := `accounts:
  - id: "123456789012"
    roles:
      - name: r
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow}]}
`
	check := func(doc string, kind PolicyKind) error {
		return errors.New("Statement[0].Condition: unknown operator")
	}
	_, err := Parse("w.yaml", []byte(src), check)
	if err == nil || !strings.Contains(err.Error(), "accounts[0].roles[0].trustPolicy.Statement[0].Condition: unknown operator") {
		t.Fatalf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Demo())
	f.Add([]byte("accounts: [{id: \"123456789012\", roles: [{name: r, trustPolicy: \"{}\"}]}]"))
	f.Add([]byte("clusters: [{name: c, account: x}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse("fuzz.yaml", b, nil)
	})
}

func TestReadFileRefusesLargeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(MaxFileBytes + 1); err != nil { // sparse: nothing is written
		t.Fatal(err)
	}
	fh.Close()
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "huge.json: world file is larger than 536870912 bytes") {
		t.Fatalf("got %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "read world file: open ") {
		t.Fatalf("missing file: got %v", err)
	}
}
