package irsa

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

const (
	// serverStartTimeout bounds a trustbridge start on a loaded machine.
	serverStartTimeout = time.Minute
	// commandTimeout bounds one client invocation (AWS CLI, boto3, explain).
	commandTimeout = 2 * time.Minute
	// auditWait bounds the wait for an audit event; the stream is flushed
	// every 100 ms.
	auditWait = 10 * time.Second
)

// A trustbridge is a `trustbridge serve` subprocess with an in-memory store,
// a world file, --explain-errors and an audit log file.
type trustbridge struct {
	// URL is the edge endpoint, http://127.0.0.1:PORT.
	URL string
	// Bin is the binary it runs.
	Bin string

	dir       string
	auditPath string
	cmd       *exec.Cmd
	out       *testbed.SyncBuffer
	done      chan struct{}
	stopOnce  sync.Once
}

// startTrustbridge starts a server for one test; it stops (and, if the
// test failed, shows its log) at the test's cleanup.
func startTrustbridge(t testing.TB, world []byte) *trustbridge {
	t.Helper()
	tb, err := startTrustbridgeIn(t.TempDir(), testbed.BuildTrustbridge(t), world)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tb.stop()
		if t.Failed() {
			t.Logf("----- trustbridge log (tail) -----\n%s", tb.logTail())
		}
	})
	return tb
}

var listeningRE = regexp.MustCompile(`trustbridge listening on (http://127\.0\.0\.1:[0-9]+)`)

// startTrustbridgeIn starts bin serving world, with its files in dir.
func startTrustbridgeIn(dir, bin string, world []byte) (*trustbridge, error) {
	worldPath := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(worldPath, world, 0o600); err != nil {
		return nil, err
	}
	tb := &trustbridge{Bin: bin, dir: dir, auditPath: filepath.Join(dir, "audit.jsonl"), out: &testbed.SyncBuffer{}, done: make(chan struct{})}
	tb.cmd = exec.Command(bin, "serve",
		"--addr", "127.0.0.1:0",
		"--data-dir", ":memory:",
		"--world", worldPath,
		"--explain-errors",
		"--audit-log", tb.auditPath,
		"--log-format", "json")
	tb.cmd.Env = cleanEnv("HOME=" + dir)
	tb.cmd.Stdout = tb.out
	tb.cmd.Stderr = tb.out
	testbed.LogProcess(nil, "serve", tb.cmd)
	if err := tb.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", bin, err)
	}
	go func() {
		_ = tb.cmd.Wait()
		close(tb.done)
	}()
	deadline := time.After(serverStartTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := listeningRE.FindStringSubmatch(tb.out.String()); m != nil {
			tb.URL = m[1]
			return tb, nil
		}
		select {
		case <-tb.done:
			return nil, fmt.Errorf("trustbridge serve exited during start (%s):\n%s", tb.cmd.ProcessState, tb.logTail())
		case <-deadline:
			tb.stop()
			return nil, fmt.Errorf("trustbridge serve did not report its address within %s:\n%s", serverStartTimeout, tb.logTail())
		case <-tick.C:
		}
	}
}

// stop terminates the server (SIGTERM, then SIGKILL after 10 s) and waits
// for it to exit.
func (tb *trustbridge) stop() {
	tb.stopOnce.Do(func() {
		_ = tb.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-tb.done:
		case <-time.After(10 * time.Second):
			_ = tb.cmd.Process.Kill()
			<-tb.done
		}
	})
}

// logTail is the end of the server's output, for failed tests. trustbridge
// never logs tokens or secrets, so it is safe to print.
func (tb *trustbridge) logTail() string {
	s := tb.out.String()
	if len(s) > 8000 {
		s = "..." + s[len(s)-8000:]
	}
	return s
}

// An auditEvent is the part of trustbridge's audit event the tests read.
type auditEvent struct {
	EventSource       string         `json:"eventSource"`
	EventName         string         `json:"eventName"`
	ErrorCode         string         `json:"errorCode"`
	RequestID         string         `json:"requestID"`
	RequestParameters map[string]any `json:"requestParameters"`
	UserIdentity      struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		ARN         string `json:"arn"`
		AccountID   string `json:"accountId"`
	} `json:"userIdentity"`
	Decision *struct {
		Decision string `json:"decision"`
		Action   string `json:"action"`
		Resource string `json:"resource"`
		Reason   string `json:"reason"`
		Summary  string `json:"summary"`
	} `json:"decision"`
	raw string
}

// auditEvent waits for the audit event of the AssumeRoleWithWebIdentity
// (or other) call made with the given role session name.
func (tb *trustbridge) auditEvent(t testing.TB, eventName, sessionName string) auditEvent {
	t.Helper()
	deadline := time.Now().Add(auditWait)
	for {
		events, err := tb.auditEvents()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			if ev.EventName == eventName && ev.RequestParameters["roleSessionName"] == sessionName {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s audit event for session %q within %s (%d events)", eventName, sessionName, auditWait, len(events))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tb *trustbridge) auditEvents() ([]auditEvent, error) {
	b, err := os.ReadFile(tb.auditPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var events []auditEvent
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasSuffix(line, "}") {
			continue // a line still being written
		}
		var ev auditEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			return nil, fmt.Errorf("audit log line is not JSON: %w", err)
		}
		ev.raw = line
		events = append(events, ev)
	}
	return events, sc.Err()
}

// explain runs `trustbridge explain REQUEST_ID` signed with key and returns
// its standard output.
func (tb *trustbridge) explain(t testing.TB, key awsKey, requestID string) (string, error) {
	t.Helper()
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tb.Bin, "explain", "--endpoint", tb.URL, requestID)
	cmd.Env = cleanEnv("HOME="+home,
		"AWS_ACCESS_KEY_ID="+key.ID, "AWS_SECRET_ACCESS_KEY="+key.Secret,
		"AWS_REGION="+testbed.AWSRegion, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("trustbridge explain %s: %w: %s", requestID, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// cleanEnv returns the process environment without AWS_*, TRUSTBRIDGE_*,
// KUBECONFIG and HOME, plus extra. Clients thus see only what a test
// gives them, never the developer's credentials or profiles.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "TRUSTBRIDGE_") || name == "KUBECONFIG" || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
