package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// probe builds a command with a few flags and records their values after
// configuration is applied.
func probe(t *testing.T, args []string, file string) (map[string]string, error) {
	t.Helper()
	var addr, data string
	var list []string
	var explain bool
	cmd := &cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:4577", "")
	cmd.Flags().StringVar(&data, "data-dir", "default-dir", "")
	cmd.Flags().StringSliceVar(&list, "addrs", nil, "")
	cmd.Flags().BoolVar(&explain, "explain-errors", false, "")
	cmd.PersistentPreRunE = func(c *cobra.Command, _ []string) error { return applyConfig(c, file) }
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return map[string]string{"addr": addr, "data-dir": data, "addrs": strings.Join(list, ","), "explain": map[bool]string{true: "true", false: "false"}[explain]}, err
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("addr: file:1\ndata-dir: file-dir\naddrs: [a, b]\nexplain-errors: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TRUSTBRIDGE_DATA_DIR", "env-dir")
	got, err := probe(t, []string{"--addr", "flag:1"}, file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"addr": "flag:1", "data-dir": "env-dir", "addrs": "a,b", "explain": "true"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (flag > env > file > default)", k, got[k], v)
		}
	}
	t.Setenv("TRUSTBRIDGE_ADDRS", "x, y")
	got, _ = probe(t, nil, "")
	if got["addrs"] != "x,y" || got["addr"] != "127.0.0.1:4577" || got["data-dir"] != "env-dir" {
		t.Errorf("env lists or defaults: %v", got)
	}
}

func TestConfigStrict(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("adr: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := probe(t, nil, file)
	if err == nil || !strings.Contains(err.Error(), `unknown key "adr"`) {
		t.Fatalf("got %v", err)
	}
	if err := os.WriteFile(file, []byte("explain-errors: maybe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := probe(t, nil, file); err == nil || !strings.Contains(err.Error(), `key "explain-errors"`) {
		t.Fatalf("got %v", err)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	root := NewRootCommand(&out, &out)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "trustbridge dev") || !strings.Contains(out.String(), "go: go1.") {
		t.Fatalf("version printed %q", out.String())
	}
}

func TestParseConfigValues(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		key        string
		want       string // values joined with "|", or "error"
	}{
		{"string", "addr: 0.0.0.0:4577\n", "addr", "0.0.0.0:4577"},
		{"big integer keeps its digits", "cache-size: 1000000\n", "cache-size", "1000000"},
		{"float", "ratio: 0.25\n", "ratio", "0.25"},
		{"bool", "explain-errors: true\n", "explain-errors", "true"},
		{"duration text", "refresh-before: 20m\n", "refresh-before", "20m"},
		{"list", "addr: [a, \"[fd00:ec2::23]:80\"]\n", "addr", "a|[fd00:ec2::23]:80"},
		{"block list of numbers", "ports:\n- 1\n- 2\n", "ports", "1|2"},
		{"mapping value", "addr: {host: x}\n", "addr", "error"},
		{"nested list", "addr: [[a]]\n", "addr", "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values, err := parseConfig([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			vals, err := configValues(values[tc.key])
			got := strings.Join(vals, "|")
			if err != nil {
				got = "error"
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"- a\n- b\n", "just a string\n", "a: [\n"} {
		if _, err := parseConfig([]byte(bad)); err == nil {
			t.Errorf("parseConfig(%q) accepted a file that is not a mapping", bad)
		}
	}
	for _, empty := range []string{"", "\n  \n", "# only a comment\n", "~\n"} {
		if v, err := parseConfig([]byte(empty)); err != nil || len(v) != 0 {
			t.Errorf("parseConfig(%q) = %v, %v; want no keys", empty, v, err)
		}
	}
}

// TestConfigThroughRootCommand checks the real command tree: global flags
// come from the file and the environment too, and an unknown key names
// itself and the command.
func TestConfigThroughRootCommand(t *testing.T) {
	dir := t.TempDir()
	run := func(yaml string, args ...string) error {
		file := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		root := NewRootCommand(&bytes.Buffer{}, &bytes.Buffer{})
		root.SetArgs(append(args, "--config", file))
		return root.Execute()
	}
	if err := run("log-level: debug\nlog-format: json\n", "version"); err != nil {
		t.Errorf("global flags in the file: %v", err)
	}
	if err := run("log-levle: debug\n", "version"); err == nil || !strings.Contains(err.Error(), `unknown key "log-levle" for "trustbridge version"`) {
		t.Errorf("unknown key: %v", err)
	}
	if err := run("cache-size: 10\n", "version"); err == nil || !strings.Contains(err.Error(), `unknown key "cache-size"`) {
		t.Errorf("another command's flag: %v", err)
	}
	t.Setenv("TRUSTBRIDGE_CONFIG", filepath.Join(dir, "c.yaml"))
	root := NewRootCommand(&bytes.Buffer{}, &bytes.Buffer{})
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "cache-size") {
		t.Errorf("TRUSTBRIDGE_CONFIG was not read: %v", err)
	}
}

// FuzzParseConfig: any file either parses into keys whose values convert
// or fail cleanly; nothing panics.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("addr: 0.0.0.0:4577\ncache-size: 1000000\naddrs: [a, b]\n"))
	f.Add([]byte("a: {b: [1, {c: d}]}\n"))
	f.Add([]byte("- 1\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		values, err := parseConfig(raw)
		if err != nil {
			return
		}
		for _, v := range values {
			if v != nil {
				_, _ = configValues(v)
			}
		}
	})
}
