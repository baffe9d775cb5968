package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

// TestConfigurationDocIsCurrent fails when docs/configuration.md no longer
// matches the flags in the code.
func TestConfigurationDocIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := ConfigurationDoc(&buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "configuration.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/configuration.md is stale: run go generate ./internal/cli (or go test ./internal/cli -run TestConfigurationDocIsCurrent -update)")
	}
}

// TestConfigurationDocCoversEveryFlag checks the generator itself: every
// visible flag of every command has a row with its environment variable
// and config key, in its command's section, and the document does not
// depend on the machine it was generated on.
func TestConfigurationDocCoversEveryFlag(t *testing.T) {
	var buf bytes.Buffer
	if err := ConfigurationDoc(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	root := NewRootCommand(&bytes.Buffer{}, &bytes.Buffer{})
	sections := map[string]string{}
	for _, part := range strings.Split(doc, "\n## ")[1:] {
		title, body, _ := strings.Cut(part, "\n")
		sections[strings.Trim(title, "`")] = body
	}
	for _, must := range []string{"trustbridge serve", "trustbridge webhook", "trustbridge agent"} {
		if _, ok := sections[must]; !ok {
			t.Errorf("no section for %s", must)
		}
	}
	for _, c := range documentedCommands(root) {
		body, ok := sections[c.CommandPath()]
		if !ok {
			t.Errorf("no section for %s", c.CommandPath())
			continue
		}
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if !documentedFlag(f) {
				return
			}
			row := "| `--" + f.Name + "`"
			i := strings.Index(body, row)
			if i < 0 {
				t.Errorf("%s: no row for --%s", c.CommandPath(), f.Name)
				return
			}
			line, _, _ := strings.Cut(body[i:], "\n")
			for _, want := range []string{"`" + EnvName(f.Name) + "`", "`" + f.Name + "`"} {
				if !strings.Contains(line, want) {
					t.Errorf("%s --%s: row %q lacks %s", c.CommandPath(), f.Name, line, want)
				}
			}
			if strings.Count(line, " | ") != 4 {
				t.Errorf("%s --%s: row %q does not have five cells", c.CommandPath(), f.Name, line)
			}
		})
	}
	if home, err := os.UserHomeDir(); err == nil && len(home) > 1 && strings.Contains(doc, home+"/") {
		t.Errorf("the document contains this machine's home directory %s", home)
	}
	for _, want := range []string{"## Shell completion", "trustbridge completion bash", "TRUSTBRIDGE_CONFIG"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

// TestCompletion runs cobra's completion command for every shell.
func TestCompletion(t *testing.T) {
	for _, tc := range []struct{ shell, want string }{
		{"bash", "complete -o default -F __start_trustbridge trustbridge"},
		{"zsh", "#compdef trustbridge"},
		{"fish", "complete -c trustbridge"},
		{"powershell", "Register-ArgumentCompleter"},
	} {
		t.Run(tc.shell, func(t *testing.T) {
			var out, errb bytes.Buffer
			root := NewRootCommand(&out, &errb)
			root.SetArgs([]string{"completion", tc.shell})
			if err := root.Execute(); err != nil {
				t.Fatalf("%v: %s", err, errb.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("completion %s lacks %q:\n%.300s", tc.shell, tc.want, out.String())
			}
		})
	}
	// The dynamic completion cobra's scripts call lists the commands.
	var out bytes.Buffer
	root := NewRootCommand(&out, &bytes.Buffer{})
	root.SetArgs([]string{"__complete", "se"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "serve") {
		t.Errorf("__complete se = %q, want serve among the candidates", out.String())
	}
}
