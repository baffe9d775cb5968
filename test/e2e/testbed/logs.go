package testbed

import (
	"bytes"
	"flag"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"k8s.io/klog/v2"
)

// maxLogBytes bounds the apiserver log kept per cluster; older output is
// dropped first. At the default verbosity a whole test run stays far below.
const maxLogBytes = 8 << 20

// failureLogLines is how many trailing log lines a failed test prints.
const failureLogLines = 300

// envStreamLogs, when set to a non-empty value, also streams apiserver logs
// to the test process's stderr as they are written (for debugging a hang).
const envStreamLogs = "TESTBED_STREAM_LOGS"

// klog is global to the process: every in-process apiserver writes to the
// same logger. sink receives all of it and fans each write out to the
// buffers of the clusters that are running, so a cluster's log holds
// everything written while it was alive.
var sink = &logSink{buffers: map[*logBuffer]struct{}{}}

var klogOnce sync.Once

// setupLogging routes klog into sink and away from stderr. It is called
// once per process before the first apiserver starts.
func setupLogging() {
	klogOnce.Do(func() {
		fs := flag.NewFlagSet("klog", flag.ContinueOnError)
		klog.InitFlags(fs)
		for name, value := range map[string]string{
			"logtostderr":      "false",
			"alsologtostderr":  "false",
			"stderrthreshold":  "FATAL",
			"one_output":       "true",
			"skip_log_headers": "true",
		} {
			_ = fs.Set(name, value) // flags defined by klog.InitFlags just above
		}
		klog.SetOutput(sink)
	})
}

// setVerbosity sets klog's -v level; the level is process-global.
func setVerbosity(v int) {
	fs := flag.NewFlagSet("klog-v", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("v", strconv.Itoa(v)) // "v" is defined by klog.InitFlags
}

type logSink struct {
	mu      sync.Mutex
	buffers map[*logBuffer]struct{} // guarded by mu
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for b := range s.buffers {
		b.write(p)
	}
	if os.Getenv(envStreamLogs) != "" {
		_, _ = os.Stderr.Write(p)
	}
	return len(p), nil
}

func (s *logSink) subscribe() *logBuffer {
	b := &logBuffer{}
	s.mu.Lock()
	s.buffers[b] = struct{}{}
	s.mu.Unlock()
	return b
}

func (s *logSink) unsubscribe(b *logBuffer) {
	s.mu.Lock()
	delete(s.buffers, b)
	s.mu.Unlock()
}

// A logBuffer keeps the most recent maxLogBytes of log output.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer // guarded by mu
	dropped bool         // guarded by mu; output was discarded from the front
}

func (b *logBuffer) write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - maxLogBytes; over > 0 {
		b.buf.Next(over)
		b.dropped = true
	}
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if b.dropped {
		s = "[earlier log output dropped]\n" + s
	}
	return s
}

// tailLines returns at most n trailing lines of s.
func tailLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	return "[" + strconv.Itoa(len(lines)-n) + " earlier lines omitted]\n" + strings.Join(lines[len(lines)-n:], "\n")
}

// readTail returns the last n lines of the file at path, or a note saying
// why it could not be read.
func readTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLogBytes))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return tailLines(string(data), n)
}
