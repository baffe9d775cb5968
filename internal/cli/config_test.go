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
