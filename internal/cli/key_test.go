package cli

import (
	"bytes"
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
