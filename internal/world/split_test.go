package world

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"sigs.k8s.io/yaml"
)

// splitCorpus holds world files (YAML; the tests use their JSON
// renderings) chosen for what the whole-file conversion does to values:
// numbers given to string fields, float-valued integers, nulls, empty
// arrays, member names in another case, and documents as structures and
// as strings.
var splitCorpus = []string{
	string(Demo()),
	`accounts:
  - id: 123456789012
    alias: 42
    users:
      - name: u1
        tags: {team: 7, cost: 1.5, on: true}
        accessKeys: [{accessKeyId: AKIAAAAAAAAAAAAAAAAA, secretAccessKey: s}]
        policies:
          p: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*", Condition: {NumericLessThan: {"aws:MultiFactorAuthAge": 3600.0}}}]}
    roles:
      - name: r1
        maxSessionDuration: 3600.0
        trustPolicy: '{"Version":"2012-10-17","Statement":[]}'
      - name: r2
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: 123456789012}, Action: "sts:AssumeRole", Condition: {StringEquals: {"x": [1, 2.50, 1e3, 12345678901234567890]}}}]}
        managedPolicies: []
      - null
    policies: []
    oidcProviders: null
`,
	`Accounts: [{ID: "123456789012", Roles: [{Name: r, TrustPolicy: "{}"}]}]
Clusters: [{name: c, account: "123456789012", PodIdentityAssociations: [{namespace: n, serviceAccount: s, roleArn: x}]}]
`,
	// Two names of one field in different cases: the library picks one.
	`{"accounts": [{"id": "111111111111"}], "Accounts": [{"id": "222222222222"}]}`,
	`{"accounts": [{"id": "111111111111", "roles": [{"name": "a"}], "ROLES": [{"name": "b"}]}]}`,
	// Errors: an unknown field, a wrong type, in an element.
	`{"accounts": [{"id": "111111111111", "roles": [{"name": "a"}, {"name": "b", "usres": 1}]}]}`,
	`{"accounts": [{"id": "111111111111", "roles": [{"name": "a", "maxSessionDuration": "long"}]}]}`,
	`{"accounts": [{"id": "111111111111", "roles": [7]}]}`,
	`{"accounts": {"id": "111111111111"}}`,
	`{"partition": "aws", "extra": true, "accounts": []}`,
}

func withSplitThreshold(t testing.TB, n int) {
	old := splitThreshold
	splitThreshold = n
	t.Cleanup(func() { splitThreshold = old })
}

// decodeWholeAndSplit decodes the JSON object j once whole (as every file
// was before splitting) and once split at every level.
func decodeWholeAndSplit(j []byte) (whole, split File, werr, serr error) {
	werr = yamlStrict(j, &whole, "")
	serr = decodeSplit(j, reflect.ValueOf(&split).Elem(), "")
	return
}

func TestSplitDecodingMatchesWholeFile(t *testing.T) {
	withSplitThreshold(t, 0)
	for i, src := range splitCorpus {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			j, err := yaml.YAMLToJSON([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			whole, split, werr, serr := decodeWholeAndSplit(j)
			if (werr == nil) != (serr == nil) {
				t.Fatalf("whole: %v; split: %v\n%s", werr, serr, j)
			}
			if werr != nil {
				t.Logf("both reject it: whole %q, split %q", werr, serr)
				return
			}
			if !reflect.DeepEqual(whole, split) {
				t.Fatalf("different results\nwhole: %+v\nsplit: %+v", whole, split)
			}
		})
	}
}

func TestSplitErrorsNameTheElement(t *testing.T) {
	withSplitThreshold(t, 0)
	src := `{"accounts": [{"id": "111111111111", "roles": [{"name": "a"}, {"name": "b", "usres": 1}]}]}`
	_, err := Parse("w.json", []byte(src), nil)
	if err == nil || err.Error() != `w.json: accounts[0].roles[1]: json: unknown field "usres"` {
		t.Fatalf("got %v", err)
	}
}

// TestLargeJSONWorldIsSplit checks that decodeStrict takes a large JSON
// file apart (and a large YAML file, or a small JSON one, whole): the
// split path names the element an error is in, the whole path cannot.
func TestLargeJSONWorldIsSplit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"accounts": [{"id": "111111111111", "roles": [`)
	for i := range 4000 {
		fmt.Fprintf(&b, `{"name": "r%d", "trustPolicy": {"Version": "2012-10-17", "Statement": []}},`, i)
	}
	b.WriteString(`{"name": "bad", "usres": 1}]}]}`)
	large := b.String()
	if len(large) < splitThreshold {
		t.Fatalf("test file is only %d bytes", len(large))
	}
	var f File
	err := decodeStrict([]byte("\n  "+large+"\n"), &f)
	if err == nil || !strings.HasPrefix(err.Error(), "accounts[0].roles[4000]: ") {
		t.Fatalf("large JSON: got %v", err)
	}
	y, err := yaml.JSONToYAML([]byte(large))
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeStrict(y, &f); err == nil || strings.Contains(err.Error(), "roles[") {
		t.Fatalf("large YAML: got %v", err)
	}
	good := strings.Replace(large, `{"name": "bad", "usres": 1}`, `{"name": "last"}`, 1)
	var whole, split File
	if err := yamlStrict([]byte(good), &whole, ""); err != nil {
		t.Fatal(err)
	}
	if err := decodeStrict([]byte(good), &split); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(whole, split) || len(split.Accounts[0].Roles) != 4001 {
		t.Fatal("the split decoding of the large file differs from the whole one")
	}
}

// FuzzSplitDecoding compares the two decodings of any JSON object.
func FuzzSplitDecoding(f *testing.F) {
	for _, src := range splitCorpus {
		if j, err := yaml.YAMLToJSON([]byte(src)); err == nil {
			f.Add(j)
		}
	}
	f.Fuzz(func(t *testing.T, j []byte) {
		j = bytes.TrimSpace(j)
		if len(j) == 0 || j[0] != '{' || !jsontext.Value(j).IsValid() {
			return
		}
		withSplitThreshold(t, 0)
		whole, split, werr, serr := decodeWholeAndSplit(j)
		if (werr == nil) != (serr == nil) {
			t.Fatalf("whole: %v; split: %v", werr, serr)
		}
		if werr == nil && !reflect.DeepEqual(whole, split) {
			t.Fatalf("different results\nwhole: %+v\nsplit: %+v", whole, split)
		}
	})
}
