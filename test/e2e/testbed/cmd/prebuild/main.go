// Command prebuild compiles every package the e2e tests depend on —
// kube-apiserver, etcd, Helm, the AWS SDK — into the Go build cache, then
// trustbridge itself the way testbed.BuildTrustbridge builds it, and says
// how far it got while it does. A cold `go test ./...` in test/e2e spends
// minutes compiling all that before and while its tests run, and go test
// shows a package's output only when the package is done, so nothing
// appears; running prebuild first turns that into progress a person can
// follow on stderr:
//
//	testbed: compiling the e2e tests' dependencies (the first build takes minutes; cached afterwards)… 412 of at most 2354 packages compiled, 6.9/s, 1m0s elapsed
//
// every 30 seconds, then the total. On a warm cache it prints one line per
// step and takes a few seconds (go list, and linking trustbridge).
//
// Usage, from test/e2e:
//
//	go run ./testbed/cmd/prebuild [-trustbridge=false] [packages]    # default ./...
//
// The dependencies are the packages `go list -deps -test` names for the
// patterns, without the test packages themselves, compiled with
// `go build -v` (nothing linked, nothing written outside the build cache)
// in the caller's environment, which must match the later go test's for
// the cache to be hit. trustbridge is built from the repository root above
// the working directory with CGO_ENABLED=0 and GOWORK=off into /dev/null.
// It exits 1 if a build fails, with the compiler's output on stderr.
//
// It imports only the standard library and the test bed's dependency-free
// progress package, so `go run` compiles it in moments on a cold cache; it
// must never import the test bed itself.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed/internal/progress"
)

const (
	depsWhat        = "testbed: compiling the e2e tests' dependencies"
	trustbridgeWhat = "testbed: building trustbridge"
	// productModule and productMain are what testbed.BuildTrustbridge builds.
	productModule = "github.com/trustbridge/trustbridge"
	productMain   = productModule + "/cmd/trustbridge"
)

func main() {
	fs := flag.NewFlagSet("prebuild", flag.ContinueOnError)
	product := fs.Bool("trustbridge", true, "also compile trustbridge as testbed.BuildTrustbridge does (CGO_ENABLED=0), from the repository root above the working directory")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	os.Exit(run(fs.Args(), *product, os.Stderr, progress.DefaultInterval))
}

// run compiles the dependencies of patterns (default ./...) and, if
// product, trustbridge; it returns the exit code.
func run(patterns []string, product bool, stderr io.Writer, interval time.Duration) int {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	steps := []step{{what: depsWhat, list: append([]string{"-deps", "-test"}, patterns...), build: patterns}}
	if product {
		root, err := productRoot()
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", trustbridgeWhat, err)
			return 1
		}
		// The same environment and package as testbed.BuildTrustbridge, so
		// its build finds everything compiled.
		steps = append(steps, step{what: trustbridgeWhat, dir: root, env: []string{"CGO_ENABLED=0", "GOWORK=off"},
			list: []string{"-deps", productMain}, build: []string{"-o", os.DevNull, productMain}, link: true})
	}
	for _, s := range steps {
		if err := s.run(stderr, interval); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", s.what, err)
			return 1
		}
	}
	return 0
}

// A step is one `go build -v` whose compiled packages are counted.
type step struct {
	what string
	dir  string   // working directory; "" is the current one
	env  []string // added to the environment
	list []string // go list arguments naming the packages to count
	// build are the go build arguments after -v: the packages listed
	// (link false) or the flags and main package (link true).
	build []string
	link  bool
}

func (s step) command(args ...string) *exec.Cmd {
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	return cmd
}

func (s step) run(stderr io.Writer, interval time.Duration) error {
	start := time.Now()
	cmd := s.command(append([]string{"list", "-f", listFormat}, s.list...)...)
	var listErr bytes.Buffer
	cmd.Stderr = &listErr
	listed, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list: %w\n%s", err, strings.TrimSpace(listErr.String()))
	}
	pkgs := buildable(string(listed))
	if len(pkgs) == 0 {
		return fmt.Errorf("no packages for %s", strings.Join(s.list, " "))
	}
	known := make(map[string]bool, len(pkgs))
	for _, pkg := range pkgs {
		known[pkg] = true
	}
	build := s.build
	if !s.link {
		build = pkgs
	}
	p := progress.Start(stderr, s.what, progress.Options{Interval: interval, Note: "the first build takes minutes; cached afterwards",
		Unit: fmt.Sprintf("of at most %d packages compiled", len(pkgs))})
	cmd = s.command(append([]string{"build", "-v"}, build...)...)
	var diag bytes.Buffer
	cmd.Stdout = &diag
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if compiled(sc.Text(), known) {
				p.Add(1)
				continue
			}
			diag.WriteString(sc.Text() + "\n")
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err = cmd.Run()
	pw.Close()
	<-scanned
	if err != nil {
		p.Stop("failed")
		return fmt.Errorf("go build: %w\n%s", err, diag.String())
	}
	p.Stop("done")
	if !p.Printed() {
		fmt.Fprintf(stderr, "%s: %d of %d packages compiled in %s\n", s.what, p.Count(), len(pkgs), time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

// listFormat prints the import path of every package go list names that
// has files to compile and is not a test variant.
const listFormat = `{{if not .ForTest}}{{if or .GoFiles .CgoFiles}}{{.ImportPath}}{{end}}{{end}}`

// buildable returns the import paths in go list's output, without the
// generated test mains ("pkg.test"), duplicates and blank lines, in order.
func buildable(listed string) []string {
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(listed, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasSuffix(line, ".test") || seen[line] {
			continue
		}
		seen[line] = true
		out = append(out, line)
	}
	return out
}

// compiled reports whether a line of `go build -v` output names a package
// being compiled (rather than being part of an error report).
func compiled(line string, known map[string]bool) bool {
	return known[strings.TrimSpace(line)]
}

// productRoot returns the nearest directory at or above the working
// directory whose go.mod declares the product module.
func productRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && strings.Trim(f[1], `"`) == productModule {
					return dir, nil
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no directory above the working directory has the go.mod of " + productModule)
		}
		dir = parent
	}
}

// goTool returns the go command on PATH, else the one in GOROOT.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
