package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/world"
)

// TestWorldExportFormats exports a store holding the demo world as YAML
// and as JSON: both parse to the same world, the JSON one is JSON, and
// applying it to a new store exports the same YAML again.
func TestWorldExportFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, app.Config{Store: dir, World: world.Demo(), Logger: quiet}) // applies the world
	if err != nil {
		t.Fatal(err)
	}
	a.Close()

	yamlOut, err := runSimulateCLI(t, "world", "export", "--data-dir", dir)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, yamlOut)
	}
	jsonOut, err := runSimulateCLI(t, "world", "export", "--data-dir", dir, "-o", "json")
	if err != nil {
		t.Fatalf("export -o json: %v\n%s", err, jsonOut)
	}
	if !json.Valid([]byte(jsonOut)) || !strings.HasPrefix(jsonOut, "{\n") {
		t.Fatalf("-o json did not print a JSON object:\n%.300s", jsonOut)
	}
	fy, err := world.Parse("export.yaml", []byte(yamlOut), app.PolicyChecker)
	if err != nil {
		t.Fatal(err)
	}
	fj, err := world.Parse("export.json", []byte(jsonOut), app.PolicyChecker)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fy, fj) {
		t.Fatal("the YAML and JSON exports describe different worlds")
	}

	file := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(file, []byte(jsonOut), 0o600); err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	b, err := app.New(ctx, app.Config{Store: dir2, WorldFile: file, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	again, err := runSimulateCLI(t, "world", "export", "--data-dir", dir2)
	if err != nil {
		t.Fatal(err)
	}
	if again != yamlOut {
		t.Fatalf("applying the JSON export and exporting again differs:\n%s\n---\n%s", yamlOut, again)
	}

	if out, err := runSimulateCLI(t, "world", "export", "--data-dir", dir, "-o", "xml"); err == nil || !strings.Contains(err.Error(), `--output "xml": want yaml or json`) {
		t.Fatalf("-o xml: %v\n%s", err, out)
	}
}
