package testbed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed/internal/progress"
)

const (
	// ProductModule is the module path of the product in the repository root.
	ProductModule = "github.com/trustbridge/trustbridge"
	// ProductMainPackage is the package BuildTrustbridge builds.
	ProductMainPackage = ProductModule + "/cmd/trustbridge"

	// envTrustbridgeBin names a prebuilt trustbridge binary to use instead
	// of building one.
	envTrustbridgeBin = "TRUSTBRIDGE_BIN"

	buildTimeout = 15 * time.Minute
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// BuildTrustbridge builds the trustbridge binary from the repository root
// once per test process and returns its path; later calls return the same
// path (or fail the same way). If $TRUSTBRIDGE_BIN is set, that binary is
// used instead and nothing is built. It calls t.Fatal if the build fails,
// with the compiler's output.
//
// The binary lives in the user cache directory
// (~/.cache/trustbridge-e2e/<hash of repo root>/trustbridge) and is replaced
// atomically by each process's build, so concurrent test processes never
// see a half-written file and nothing accumulates across runs.
func BuildTrustbridge(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { buildPath, buildErr = buildTrustbridge() })
	if buildErr != nil {
		t.Fatalf("build trustbridge: %v", buildErr)
	}
	return buildPath
}

// Build is BuildTrustbridge for code without a testing.TB (a TestMain):
// the same single build per process, its error returned.
func Build() (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = buildTrustbridge() })
	return buildPath, buildErr
}

func buildTrustbridge() (string, error) {
	if p := os.Getenv(envTrustbridgeBin); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", envTrustbridgeBin, err)
		}
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(cache, "trustbridge-e2e", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create binary directory: %w", err)
	}
	final := filepath.Join(dir, "trustbridge")
	tmp := final + ".tmp-" + strconv.Itoa(os.Getpid())

	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", tmp, ProductMainPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// A cold build compiles the product's dependencies for minutes; say so
	// on stderr, which go test does not buffer. A warm build prints nothing.
	p := progress.Start(os.Stderr, "testbed: building trustbridge", progress.Options{Note: "the first build takes minutes; cached afterwards"})
	if err := cmd.Run(); err != nil {
		p.Stop("failed")
		os.Remove(tmp)
		return "", fmt.Errorf("go build %s in %s: %w\n%s", ProductMainPackage, root, err, strings.TrimSpace(out.String()))
	}
	p.Stop("done")
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("install built binary: %w", err)
	}
	return final, nil
}

// goTool returns the go command that runs this test: the one on PATH, else
// the one in GOROOT.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// RepoRoot returns the repository root: the nearest directory at or above
// the working directory (or, failing that, this source file) whose go.mod
// declares module github.com/trustbridge/trustbridge. It panics if there is
// none, which means the tests run outside the repository.
func RepoRoot() string {
	root, err := repoRoot()
	if err != nil {
		panic(err)
	}
	return root
}

func repoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			if isProductModule(filepath.Join(dir, "go.mod")) {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("no directory above the working directory has the go.mod of " + ProductModule)
}

func isProductModule(goMod string) bool {
	data, err := os.ReadFile(goMod)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == ProductModule
		}
	}
	return false
}
