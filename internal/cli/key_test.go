package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/serverkey"
)

func runKeyCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := NewRootCommand(&out, &out)
	root.SetArgs(append([]string{"key"}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestKeyLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ring.json")
	if _, err := runKeyCLI(t, "generate", path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st, err)
	}
	if _, err := runKeyCLI(t, "generate", path); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("generate over an existing file: %v", err)
	}
	first, _ := serverkey.Load(path)
	sealed, err := first.SealSecret([]byte("secret"), []byte("AKIA"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runKeyCLI(t, "rotate", path); err != nil {
		t.Fatal(err)
	}
	out, err := runKeyCLI(t, "list", path)
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, "(active)") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	rotated, _ := serverkey.Load(path)
	if rotated.ActiveKeyID() == first.ActiveKeyID() {
		t.Fatal("rotate did not change the active key")
	}
	if b, err := rotated.OpenSecret(sealed, []byte("AKIA")); err != nil || string(b) != "secret" {
		t.Fatalf("old secret after rotation: %q %v", b, err)
	}
	if _, err := runKeyCLI(t, "remove", path, rotated.ActiveKeyID()); err == nil {
		t.Fatal("removed the active key")
	}
	if _, err := runKeyCLI(t, "remove", path, first.ActiveKeyID()); err != nil {
		t.Fatal(err)
	}
	if out, _ := runKeyCLI(t, "list", path); strings.Contains(out, first.ActiveKeyID()) {
		t.Fatalf("removed key still listed:\n%s", out)
	}
}

func TestKeyGenerateOut(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"out flag", []string{"generate", "--out", filepath.Join(dir, "a.json")}, ""},
		{"short flag", []string{"generate", "-o", filepath.Join(dir, "b.json")}, ""},
		{"positional", []string{"generate", filepath.Join(dir, "c.json")}, ""},
		{"existing file", []string{"generate", "--out", filepath.Join(dir, "a.json")}, "exists"},
		{"both forms", []string{"generate", "--out", filepath.Join(dir, "d.json"), filepath.Join(dir, "e.json")}, "once"},
		{"no destination", []string{"generate"}, "missing destination"},
		{"missing directory", []string{"generate", "--out", filepath.Join(dir, "nope", "f.json")}, "nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := runKeyCLI(t, c.args...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			path := c.args[len(c.args)-1]
			r, err := serverkey.Load(path)
			if err != nil {
				t.Fatalf("serverkey.Load: %v", err)
			}
			if !strings.Contains(out, r.ActiveKeyID()) {
				t.Fatalf("output %q lacks the key ID", out)
			}
			raw, _ := os.ReadFile(path)
			var f struct {
				Keys []struct{ Secret string } `json:"keys"`
			}
			if json.Unmarshal(raw, &f) != nil || len(f.Keys) != 1 || strings.Contains(out, f.Keys[0].Secret) {
				t.Fatalf("output shows the secret or the file is not one key: %q", out)
			}
		})
	}
}

func TestKeyGenerateStdout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	root := NewRootCommand(&stdout, &stderr)
	root.SetArgs([]string{"key", "generate", "--out", "-"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	r, err := serverkey.Parse(stdout.Bytes())
	if err != nil {
		t.Fatalf("stdout is not a key file: %v", err)
	}
	// The same bytes a replica reads through --server-key-file.
	path := filepath.Join(t.TempDir(), "server-key.json")
	if err := os.WriteFile(path, stdout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if loaded, err := serverkey.Load(path); err != nil || loaded.ActiveKeyID() != r.ActiveKeyID() {
		t.Fatalf("Load: %v", err)
	}
	if stderr.Len() != 0 {
		t.Fatalf("stderr: %q", stderr.String())
	}
}
