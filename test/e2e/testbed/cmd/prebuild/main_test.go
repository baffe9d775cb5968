package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
)

func TestBuildable(t *testing.T) {
	for _, tc := range []struct {
		listed string
		want   []string
	}{
		{"", nil},
		{"fmt\nk8s.io/api/core/v1\n\nfmt\nexample.com/x.test\n", []string{"fmt", "k8s.io/api/core/v1"}},
		{"  errors  \n", []string{"errors"}},
	} {
		if got := buildable(tc.listed); !slices.Equal(got, tc.want) {
			t.Errorf("buildable(%q) = %q, want %q", tc.listed, got, tc.want)
		}
	}
}

func TestCompiled(t *testing.T) {
	known := map[string]bool{"k8s.io/apiserver/pkg/server": true}
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"k8s.io/apiserver/pkg/server", true},
		{"# k8s.io/apiserver/pkg/server", false},
		{"server.go:12:2: undefined: x", false},
		{"", false},
	} {
		if got := compiled(tc.line, known); got != tc.want {
			t.Errorf("compiled(%q) = %v", tc.line, got)
		}
	}
}

// TestRun compiles a small package and trustbridge through the real go
// command: with an interval longer than the run it prints only each step's
// one-line summary.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list and go build")
	}
	var out bytes.Buffer
	if code := run([]string{"../../internal/progress"}, true, &out, time.Hour); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	re := regexp.MustCompile(`^testbed: compiling the e2e tests' dependencies: [0-9]+ of [0-9]+ packages compiled in [0-9.]+(ms|s)\n` +
		`testbed: building trustbridge: [0-9]+ of [0-9]+ packages compiled in [0-9.ms]+\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("output %q does not match %s", out.String(), re)
	}
}

// TestRunColdProgress compiles the same package with an empty build cache
// and an interval short enough that progress lines appear; set
// PREBUILD_COLD_TEST=1 to run it (it compiles part of the standard library).
func TestRunColdProgress(t *testing.T) {
	if os.Getenv("PREBUILD_COLD_TEST") == "" {
		t.Skip("set PREBUILD_COLD_TEST=1 to compile with an empty build cache")
	}
	t.Setenv("GOCACHE", t.TempDir())
	var out bytes.Buffer
	if code := run([]string{"../../internal/progress"}, false, &out, time.Second); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	t.Logf("output:\n%s", out.String())
	progressLine := regexp.MustCompile(`(?m)^testbed: compiling the e2e tests' dependencies \(the first build takes minutes; cached afterwards\)… [0-9]+ of at most [0-9]+ packages compiled, [0-9.]+/s, [0-9]+s elapsed$`)
	total := regexp.MustCompile(`(?m)^testbed: compiling the e2e tests' dependencies: done in [0-9.]+s \([1-9][0-9]* of at most [0-9]+ packages compiled\)$`)
	if !progressLine.MatchString(out.String()) || !total.MatchString(out.String()) {
		t.Errorf("no progress or total line in:\n%s", out.String())
	}
}

func TestProductRoot(t *testing.T) {
	root, err := productRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "trustbridge")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}
	t.Chdir(t.TempDir())
	if _, err := productRoot(); err == nil {
		t.Error("found a product root above a temporary directory")
	}
}

func TestRunFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	var out bytes.Buffer
	if code := run([]string{"./no/such/package"}, false, &out, time.Hour); code != 1 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
}
