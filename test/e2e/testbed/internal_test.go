package testbed

import (
	"os"
	"strings"
	"testing"
)

func TestTailLines(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 5, "a\nb\nc"},
		{"a\nb\nc\n", 2, "[1 earlier lines omitted]\nb\nc"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := tailLines(tt.in, tt.n); got != tt.want {
			t.Errorf("tailLines(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestLogBufferBounded(t *testing.T) {
	var b logBuffer
	chunk := []byte(strings.Repeat("x", 1<<20) + "\n")
	for range maxLogBytes/len(chunk) + 3 {
		b.write(chunk)
	}
	s := b.String()
	if !strings.HasPrefix(s, "[earlier log output dropped]") {
		t.Error("dropped output not marked")
	}
	if len(s) > maxLogBytes+64 {
		t.Errorf("buffer holds %d bytes, bound is %d", len(s), maxLogBytes)
	}
}

func TestIsProductModule(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		content string
		want    bool
	}{
		{"module github.com/trustbridge/trustbridge\n\ngo 1.26\n", true},
		{"// c\nmodule \"github.com/trustbridge/trustbridge\"\n", true},
		{"module github.com/trustbridge/trustbridge/test/e2e\n", false},
	} {
		path := dir + "/go.mod"
		if err := writeFile(path, tt.content); err != nil {
			t.Fatal(err)
		}
		if got := isProductModule(path); got != tt.want {
			t.Errorf("isProductModule(%q) = %v, want %v", tt.content, got, tt.want)
		}
	}
}

func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o644)
}
