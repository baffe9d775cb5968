package testbed

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestMergeFlags(t *testing.T) {
	defaults := [][2]string{{"authorization-mode", "Node,RBAC"}, {"anonymous-auth", "true"}, {"secure-port", "1"}}
	tests := []struct {
		name  string
		extra []string
		want  []string
	}{
		{
			name: "defaults only",
			want: []string{"--authorization-mode=Node,RBAC", "--anonymous-auth=true", "--secure-port=1"},
		},
		{
			name:  "override replaces instead of appending",
			extra: []string{"--authorization-mode=RBAC,Webhook", "--v=2"},
			want:  []string{"--anonymous-auth=true", "--secure-port=1", "--authorization-mode=RBAC,Webhook", "--v=2"},
		},
		{
			name:  "boolean flag without value",
			extra: []string{"--anonymous-auth"},
			want:  []string{"--authorization-mode=Node,RBAC", "--secure-port=1", "--anonymous-auth"},
		},
		{
			name:  "non-flag arguments pass through",
			extra: []string{"x"},
			want:  []string{"--authorization-mode=Node,RBAC", "--anonymous-auth=true", "--secure-port=1", "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mergeFlags(defaults, tt.extra); !slices.Equal(got, tt.want) {
				t.Errorf("mergeFlags = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetDefault(t *testing.T) {
	got := setDefault([][2]string{{"a", "1"}, {"b", "2"}}, "b", "3")
	if got[1][1] != "3" || got[0][1] != "1" {
		t.Errorf("setDefault = %v", got)
	}
}

func TestRedactArgs(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"get", "ns"}, []string{"get", "ns"}},
		{[]string{"--token=s3cr3t", "get"}, []string{"--token=REDACTED", "get"}},
		{[]string{"--token", "s3cr3t", "get"}, []string{"--token", "REDACTED", "get"}},
		{[]string{"--password=p", "--tokens=x"}, []string{"--password=REDACTED", "--tokens=x"}},
		{[]string{"--token"}, []string{"--token"}},
	}
	for _, tt := range tests {
		got := redactArgs(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("redactArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(strings.Join(got, " "), "s3cr3t") {
			t.Errorf("redactArgs(%q) leaks the secret", tt.in)
		}
	}
}

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
