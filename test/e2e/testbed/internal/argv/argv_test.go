package argv

import (
	"slices"
	"strings"
	"testing"
)

func TestMergeFlags(t *testing.T) {
	defaults := []Default{{"authorization-mode", "Node,RBAC"}, {"anonymous-auth", "true"}, {"secure-port", "1"}}
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
			if got := Merge(defaults, tt.extra); !slices.Equal(got, tt.want) {
				t.Errorf("Merge = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetDefault(t *testing.T) {
	got := []Default{{"a", "1"}, {"b", "2"}}
	SetDefault(got, "b", "3")
	if got[1].Value != "3" || got[0].Value != "1" {
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
		got := Redact(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(strings.Join(got, " "), "s3cr3t") {
			t.Errorf("Redact(%q) leaks the secret", tt.in)
		}
	}
}

// FuzzRedactArgs checks that a token passed to kubectl in either flag form
// never survives redaction.
func FuzzRedactArgs(f *testing.F) {
	f.Add("s3cr3t", "get")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "--namespace=x")
	f.Add("=", "--token")
	f.Fuzz(func(t *testing.T, secret, other string) {
		// The credential's position must hold exactly the redacted form,
		// whatever the secret or its neighbour look like.
		for _, tc := range []struct {
			args []string
			at   int
			want []string
		}{
			// other may itself be a bare --token, which redacts the next argument.
			{[]string{other, "--token=" + secret}, 1, []string{"--token=REDACTED", "REDACTED"}},
			{[]string{"--token", secret, other}, 1, []string{"REDACTED"}},
			{[]string{"--password=" + secret}, 0, []string{"--password=REDACTED"}},
		} {
			got := Redact(tc.args)
			if len(got) != len(tc.args) || !slices.Contains(tc.want, got[tc.at]) {
				t.Fatalf("Redact(%q) = %q, want %q at %d", tc.args, got, tc.want, tc.at)
			}
		}
	})
}

func TestFlagName(t *testing.T) {
	for in, want := range map[string]string{"--a=b": "a", "--a": "a", "-a": "", "a": "", "--": "", "--a=b=c": "a"} {
		if got := FlagName(in); got != want {
			t.Errorf("FlagName(%q) = %q, want %q", in, got, want)
		}
	}
}
