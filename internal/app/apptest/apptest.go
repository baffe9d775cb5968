// Package apptest starts a real trustbridge server inside a test — the same
// assembly `trustbridge serve` runs, on a loopback port — and drives it with
// the real clients installed on the machine: the AWS CLI, boto3 and the
// AWS SDK for Go v2.
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/logtest"
	"github.com/trustbridge/trustbridge/internal/world"
)

// Server is a running trustbridge.
type Server struct {
	URL   string
	App   *app.App
	Dir   string
	World *world.File
	audit *logtest.Buffer
	stop  context.CancelFunc
	done  chan error
}

// Options configure Start.
type Options struct {
	// World is a world file's contents; default the built-in demo world.
	World []byte
	// ExplainErrors turns on --explain-errors.
	ExplainErrors bool
	// Store is a data directory or DSN; default ":memory:".
	Store string
	// Now is the server clock; default time.Now.
	Now func() time.Time
	// Configure, if set, adjusts the configuration before start.
	Configure func(*app.Config)
}

// Start runs a server for the test's lifetime.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.World == nil {
		opts.World = world.Demo()
	}
	if opts.Store == "" {
		opts.Store = ":memory:"
	}
	f, err := world.Parse("world", opts.World, app.PolicyChecker)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, World: f, audit: &logtest.Buffer{}, done: make(chan error, 1)}
	cfg := app.Config{
		Addr: "127.0.0.1:0", Store: opts.Store, World: opts.World, ExplainErrors: opts.ExplainErrors,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: opts.Now,
		AuditLog: s.audit,
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	a, err := app.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s.App = a
	ready := make(chan string, 1)
	go func() {
		s.done <- a.Run(ctx, func(addr net.Addr) { ready <- "http://" + addr.String() })
	}()
	select {
	case s.URL = <-ready:
	case err := <-s.done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server did not start in 30 s")
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
		a.Close()
	})
	return s
}

// Key returns the demo world's access key of a user ("UserOne") or, for
// "root:ACCOUNT", of an account's root.
func (s *Server) Key(t testing.TB, who string) world.Key {
	t.Helper()
	for _, a := range s.World.Accounts {
		if strings.TrimPrefix(who, "root:") == a.ID && a.Root != nil {
			return *a.Root
		}
		for _, u := range a.Users {
			if u.Name == who && len(u.AccessKeys) > 0 {
				return u.AccessKeys[0]
			}
		}
	}
	t.Fatalf("no access key for %s in the world", who)
	return world.Key{}
}

// Creds are credentials for a client process.
type Creds struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// KeyCreds returns Creds for a world key.
func KeyCreds(k world.Key) Creds {
	return Creds{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}
}

// Env returns a clean environment for AWS clients pointed at the server
// with creds (zero Creds: none), in a private HOME so no user
// configuration leaks in.
func (s *Server) Env(t testing.TB, c Creds) []string {
	home := filepath.Join(s.Dir, "home")
	_ = os.MkdirAll(home, 0o700)
	env := []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8",
		"AWS_ENDPOINT_URL=" + s.URL, "AWS_DEFAULT_REGION=us-west-2", "AWS_REGION=us-west-2",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "PYTHONDONTWRITEBYTECODE=1",
	}
	for _, k := range []string{"PYENV_ROOT", "PYTHONPATH", "SSL_CERT_FILE", "AWS_CA_BUNDLE"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if c.AccessKeyID != "" {
		env = append(env, "AWS_ACCESS_KEY_ID="+c.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey)
	}
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	return env
}

// NeedTool skips the test when a client is not installed, unless
// TRUSTBRIDGE_REQUIRE_CLIENTS=1 (CI) makes that a failure.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("TRUSTBRIDGE_REQUIRE_CLIENTS") == "1" {
			t.Fatalf("%s is required: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
}

// Run runs a command with env and returns stdout, stderr and its error.
func Run(env []string, stdin string, name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// AWS runs the AWS CLI with creds and JSON output.
func (s *Server) AWS(t testing.TB, c Creds, args ...string) (string, string, error) {
	t.Helper()
	NeedTool(t, "aws")
	return Run(s.Env(t, c), "", "aws", append([]string{"--output", "json"}, args...)...)
}

// MustAWS runs the AWS CLI and fails the test on error.
func (s *Server) MustAWS(t testing.TB, c Creds, args ...string) string {
	t.Helper()
	out, errOut, err := s.AWS(t, c, args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// Python runs a python3 script (boto3 is installed) with creds.
func (s *Server) Python(t testing.TB, c Creds, script string) (string, string, error) {
	t.Helper()
	NeedTool(t, "python3")
	return Run(s.Env(t, c), script, "python3", "-")
}

// MustPython runs a python3 script and fails the test on error.
func (s *Server) MustPython(t testing.TB, c Creds, script string) string {
	t.Helper()
	out, errOut, err := s.Python(t, c, script)
	if err != nil {
		t.Fatalf("python3: %v\n%s\n%s", err, out, errOut)
	}
	return out
}

// AuditLog returns the audit stream written so far (flushed first).
func (s *Server) AuditLog() string {
	s.App.Audit.Flush()
	return s.audit.String()
}
