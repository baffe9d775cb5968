package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.log")
	dirty := filepath.Join(dir, "sub", "dirty.log")
	os.MkdirAll(filepath.Dir(dirty), 0o755)
	os.WriteFile(clean, []byte("level=INFO msg=request action=GetCallerIdentity\n"), 0o644)
	os.WriteFile(dirty, []byte("x\nSignature="+strings.Repeat("ab", 32)+"\n"), 0o644)
	for _, tc := range []struct {
		name  string
		paths []string
		want  int
	}{
		{"no paths", nil, 2},
		{"clean file", []string{clean}, 0},
		{"directory with a secret", []string{dir}, 1},
		{"missing", []string{filepath.Join(dir, "none")}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.paths); got != tc.want {
				t.Errorf("run(%v) = %d, want %d", tc.paths, got, tc.want)
			}
		})
	}
}
