package testbed

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvLogDir names the directory where LogProcess keeps a copy of every
// subprocess's output. scripts/test.sh sets it (to a directory under the
// one it scans for secrets with internal/logtest/logscan after the run).
const EnvLogDir = "TRUSTBRIDGE_E2E_LOG_DIR"

// maxLogNameLen bounds the test-name part of a process log's file name.
const maxLogNameLen = 120

// LogProcess makes cmd also write its standard output and standard error
// to $TRUSTBRIDGE_E2E_LOG_DIR/<package>.<test name>-<process>.log, so the
// whole run's process logs can be scanned for secrets. Call it after
// setting cmd.Stdout and cmd.Stderr and before cmd.Start. With the variable
// unset or empty it does nothing.
//
// It is a tee: whatever cmd.Stdout and cmd.Stderr were still receive every
// byte first and in order, and their errors are cmd's; the file copy is
// best-effort (a failing or closed file never stalls or fails the process).
// When Stdout and Stderr are the same writer, the file gets one
// interleaved stream, as that writer does. Both streams append to one
// file; a process started again under the same name appends to it after a
// header line.
//
// t names the file (its Name(), subtests included, with every character
// outside [A-Za-z0-9._-] replaced) and closes it at its cleanup; nil, for a
// process started from TestMain, names it "<package>.TestMain-..." and
// leaves the file open until the test process exits. The package is the
// test binary's name without ".test". An error opening the file is
// reported on os.Stderr and the process runs without the copy.
func LogProcess(t testing.TB, process string, cmd *exec.Cmd) {
	dir := os.Getenv(EnvLogDir)
	if dir == "" {
		return
	}
	test := "TestMain"
	if t != nil {
		test = t.Name()
	}
	path := filepath.Join(dir, processLogName(testBinaryPackage(), test, process))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbed: no log copy of %s: %v\n", process, err)
		return
	}
	fl := &fileLog{f: f}
	// The arguments are not logged: a test may pass a secret in one.
	fmt.Fprintf(fl, "=== %s started %s\n", process, time.Now().Format(time.RFC3339))
	if t != nil {
		t.Cleanup(fl.close)
	}
	switch {
	case cmd.Stdout != nil && sameWriter(cmd.Stdout, cmd.Stderr):
		w := &teeWriter{w: cmd.Stdout, log: fl}
		cmd.Stdout, cmd.Stderr = w, w
	default:
		cmd.Stdout = &teeWriter{w: cmd.Stdout, log: fl}
		cmd.Stderr = &teeWriter{w: cmd.Stderr, log: fl}
	}
}

// sameWriter reports whether a and b are the same writer; writers of
// incomparable types are never the same (as in os/exec).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() { _ = recover() }()
	return a == b
}

// testBinaryPackage returns the last element of the running test binary's
// package ("podwebhook" for podwebhook.test).
func testBinaryPackage() string {
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
}

// processLogName returns the file name of a process log: each part
// sanitized, the test name bounded.
func processLogName(pkg, test, process string) string {
	name := sanitizeLogName(pkg + "." + test)
	if len(name) > maxLogNameLen {
		name = name[:maxLogNameLen]
	}
	return name + "-" + sanitizeLogName(process) + ".log"
}

// sanitizeLogName replaces every byte outside [A-Za-z0-9._-] with '_' and
// never returns "", "." or "..".
func sanitizeLogName(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			b[i] = '_'
		}
	}
	out := string(b)
	if strings.Trim(out, ".") == "" {
		out = strings.Repeat("_", len(out)+1)
	}
	return out
}

// fileLog is a process log file written by up to two teeWriters (stdout
// and stderr), ignoring errors and writes after close.
type fileLog struct {
	mu     sync.Mutex
	f      *os.File // guarded by mu; nil once closed
	failed bool     // guarded by mu; a write failed, the copy stopped
}

func (l *fileLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil && !l.failed {
		if _, err := l.f.Write(p); err != nil {
			l.failed = true
		}
	}
	return len(p), nil
}

func (l *fileLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// teeWriter writes to w (nil: discarded, as exec.Cmd does) and then to log.
type teeWriter struct {
	w   io.Writer
	log *fileLog
}

func (t *teeWriter) Write(p []byte) (int, error) {
	n := len(p)
	var err error
	if t.w != nil {
		n, err = t.w.Write(p)
	}
	_, _ = t.log.Write(p[:n])
	return n, err
}
