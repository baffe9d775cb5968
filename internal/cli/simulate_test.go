package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runSimulateCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := NewRootCommand(&out, &out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestSimulate(t *testing.T) {
	file := filepath.Join("testdata", "simulate-crossaccount.json")
	out, err := runSimulateCLI(t, "simulate", "-f", file)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 3 {
		t.Fatalf("denied request: err %v, want exit status 3", err)
	}
	for _, want := range []string{
		"decision: ImplicitlyDenied",
		`closest statement "Team" failed StringEquals on aws:PrincipalTag/team: request "blue" ≠ policy "red"`,
		`identity policy identityPolicies[0]: allows`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	out, _ = runSimulateCLI(t, "simulate", "-f", file, "-o", "json")
	var res struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Decision != "ImplicitlyDenied" || res.Reason == "" {
		t.Fatalf("json output %v: %s", err, out)
	}

	// Make the resource policy's condition match: allowed, exit status 0.
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	allowed := filepath.Join(t.TempDir(), "allowed.json")
	if err := os.WriteFile(allowed, bytes.Replace(b, []byte(`"red"`), []byte(`"blue"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runSimulateCLI(t, "simulate", "-f", allowed); err != nil || !strings.Contains(out, "decision: Allowed") {
		t.Fatalf("allowed request: %v\n%s", err, out)
	}
}

func TestSimulateBadInput(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown field": `{"principal":"anonymous","action":"s3:GetObject","resource":"*","bogus":1}`,
		"bad policy":    `{"principal":"anonymous","action":"s3:GetObject","resource":"*","identityPolicies":[{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}]}`,
		"not json":      `{`,
	} {
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := runSimulateCLI(t, "simulate", "-f", f)
		var ee *exitError
		if err == nil || (errors.As(err, &ee) && ee.code == 3) {
			t.Errorf("%s: err %v, want an input error", name, err)
		}
	}
	if _, err := runSimulateCLI(t, "simulate"); err == nil || !strings.Contains(err.Error(), "-f") {
		t.Errorf("missing -f: %v", err)
	}
}
