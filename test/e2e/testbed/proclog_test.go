package testbed

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestProcessLogName(t *testing.T) {
	for _, tc := range []struct {
		pkg, test, process, want string
	}{
		{"podwebhook", "TestMain", "serve", "podwebhook.TestMain-serve.log"},
		{"irsa", "TestDeny/explicit deny: role", "serve", "irsa.TestDeny_explicit_deny__role-serve.log"},
		{"p", "TestX", "../../etc/passwd", "p.TestX-.._.._etc_passwd.log"},
		{"p", "TestX", "", "p.TestX-_.log"},
		{"p", "TestX", "..", "p.TestX-___.log"},
		{"p", strings.Repeat("T", 300), "agent", "p." + strings.Repeat("T", maxLogNameLen-2) + "-agent.log"},
	} {
		got := processLogName(tc.pkg, tc.test, tc.process)
		if got != tc.want {
			t.Errorf("processLogName(%q, %q, %q) = %q, want %q", tc.pkg, tc.test, tc.process, got, tc.want)
		}
		if filepath.Base(got) != got {
			t.Errorf("%q is not a plain file name", got)
		}
	}
}

// TestLogProcess runs real subprocesses through LogProcess: the writers
// the test set still get everything, and the log directory gets a copy
// named after the test and process.
func TestLogProcess(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	t.Setenv(EnvLogDir, dir)
	script := "echo out-line; echo err-line >&2"
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("one writer for both streams", func(t *testing.T) {
		for range 2 { // started again under the same name: appended
			out := &SyncBuffer{}
			cmd := exec.Command(sh, "-c", script)
			cmd.Stdout, cmd.Stderr = out, out
			LogProcess(t, "serve", cmd)
			if err := cmd.Run(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != "out-line\nerr-line\n" {
				t.Errorf("the test's buffer got %q", got)
			}
		}
		got := read(testBinaryPackage() + ".TestLogProcess_one_writer_for_both_streams-serve.log")
		if strings.Count(got, "=== serve started ") != 2 || strings.Count(got, "out-line\nerr-line\n") != 2 {
			t.Errorf("log file:\n%s", got)
		}
	})

	t.Run("separate and discarded streams", func(t *testing.T) {
		var stdout bytes.Buffer
		cmd := exec.Command(sh, "-c", script)
		cmd.Stdout = &stdout // Stderr nil: discarded, yet logged
		LogProcess(t, "agent", cmd)
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != "out-line\n" {
			t.Errorf("stdout got %q", stdout.String())
		}
		got := read(testBinaryPackage() + ".TestLogProcess_separate_and_discarded_streams-agent.log")
		if !strings.Contains(got, "out-line\n") || !strings.Contains(got, "err-line\n") {
			t.Errorf("log file:\n%s", got)
		}
	})

	t.Run("from TestMain", func(t *testing.T) {
		out := &SyncBuffer{}
		cmd := exec.Command(sh, "-c", script)
		cmd.Stdout, cmd.Stderr = out, out
		LogProcess(nil, "webhook", cmd)
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		if got := read(testBinaryPackage() + ".TestMain-webhook.log"); !strings.Contains(got, "out-line\nerr-line\n") {
			t.Errorf("log file:\n%s", got)
		}
	})

	t.Run("unset", func(t *testing.T) {
		t.Setenv(EnvLogDir, "")
		out := &SyncBuffer{}
		cmd := exec.Command(sh, "-c", script)
		cmd.Stdout, cmd.Stderr = out, out
		LogProcess(t, "serve", cmd)
		if cmd.Stdout != out || cmd.Stderr != out {
			t.Error("LogProcess changed the writers without " + EnvLogDir)
		}
	})

	t.Run("unwritable directory", func(t *testing.T) {
		t.Setenv(EnvLogDir, filepath.Join(dir, "missing"))
		out := &SyncBuffer{}
		cmd := exec.Command(sh, "-c", script)
		cmd.Stdout, cmd.Stderr = out, out
		LogProcess(t, "serve", cmd)
		if err := cmd.Run(); err != nil || out.String() != "out-line\nerr-line\n" {
			t.Errorf("run: %v, output %q", err, out.String())
		}
	})
}

// TestFileLogAfterClose: writes after the test's cleanup closed the file
// still reach the test's writer and never fail.
func TestFileLogAfterClose(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	fl := &fileLog{f: f}
	var b bytes.Buffer
	w := &teeWriter{w: &b, log: fl}
	fl.close()
	if n, err := w.Write([]byte("late\n")); n != 5 || err != nil || b.String() != "late\n" {
		t.Errorf("Write after close = %d, %v; buffer %q", n, err, b.String())
	}
}
