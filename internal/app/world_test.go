package app_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/trustbridge/trustbridge/internal/app"
)

// TestLargeYAMLWorldWarns applies the same 8.5 MB world as YAML and as
// JSON: the YAML file is applied with a warning that names the cheaper
// format, the JSON one without.
func TestLargeYAMLWorldWarns(t *testing.T) {
	var b strings.Builder
	b.WriteString("accounts:\n  - id: \"123456789012\"\n    roles:\n")
	desc := strings.Repeat("d", 900)
	for i := range 9000 {
		fmt.Fprintf(&b, "      - name: r%d\n        description: %s\n        trustPolicy: '{\"Version\":\"2012-10-17\",\"Statement\":[]}'\n", i, desc)
	}
	y := []byte(b.String())
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		file string
		src  []byte
		warn bool
	}{{"world.yaml", y, true}, {"world.json", j, false}} {
		file := filepath.Join(dir, tc.file)
		if err := os.WriteFile(file, tc.src, 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		a, err := app.New(context.Background(), app.Config{Store: ":memory:", WorldFile: file, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		a.Close()
		if got := strings.Contains(logs.String(), "level=WARN msg=\"large YAML world file"); got != tc.warn {
			t.Errorf("%s (%d bytes): warned %v, want %v\n%s", tc.file, len(tc.src), got, tc.warn, logs.String())
		}
		if !strings.Contains(logs.String(), "created_roles=9000") {
			t.Errorf("%s: not applied:\n%s", tc.file, logs.String())
		}
	}
}
