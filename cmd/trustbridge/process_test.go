package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/trustbridge/trustbridge/internal/world"
)

// These tests run the real binary as a separate process: what a user runs,
// killed the way an operator or a crash kills it.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func trustbridgeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "trustbridge-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "trustbridge")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type proc struct {
	cmd    *exec.Cmd
	out    *bytes.Buffer
	addr   string
	ready  time.Duration
	waited chan error
}

// start runs `trustbridge up` on dataDir and waits for /readyz.
func start(t *testing.T, dataDir string) *proc {
	t.Helper()
	p := &proc{addr: freePort(t), out: &bytes.Buffer{}, waited: make(chan error, 1)}
	p.cmd = exec.Command(trustbridgeBinary(t), "up", "--addr", p.addr, "--data-dir", dataDir, "--log-format", "text")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	begin := time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.waited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.waited
		if t.Failed() {
			t.Logf("trustbridge output:\n%s", p.out)
		}
	})
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		resp, err := client.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ready = time.Since(begin)
				return p
			}
		}
	}
	t.Fatalf("trustbridge did not become ready:\n%s", p.out)
	return nil
}

func (p *proc) iam(t *testing.T) *iam.Client {
	t.Helper()
	f, err := world.Parse("demo", world.Demo(), nil)
	if err != nil {
		t.Fatal(err)
	}
	root := f.Accounts[0].Root
	return iam.New(iam.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + p.addr),
		Credentials:  credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.SecretAccessKey, ""),
	})
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// TestKill9LosesNothing: every CreateRole acknowledged before a SIGKILL is
// there after a restart on the same data directory.
func TestKill9LosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	p := start(t, dir)
	t.Logf("first start: ready after %v (includes applying the demo world to a new store)", p.ready)
	c := p.iam(t)
	var acked []string
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("durable-%d", i)
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, name)
	}
	// Kill straight after the last acknowledgement.
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.waited
	p.waited <- nil

	p2 := start(t, dir)
	t.Logf("restart: ready after %v", p2.ready)
	c2 := p2.iam(t)
	for _, name := range acked {
		if _, err := c2.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); err != nil {
			t.Fatalf("role %s acknowledged before kill -9 is gone: %v", name, err)
		}
	}
}

// TestSIGTERMGraceful: SIGTERM while clients are busy ends the process
// with status 0; requests either complete or are refused (none is cut
// off with a half-written answer), and every acknowledged write survives.
func TestSIGTERMGraceful(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ctx := context.Background()
	dir := t.TempDir()
	p := start(t, dir)
	c := p.iam(t)

	var mu sync.Mutex
	var acked []string
	var bad []error
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("term-%d-%d", w, i)
				_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: aws.String(trust)})
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, name)
				case isRefused(err):
					mu.Unlock()
					return
				default:
					bad = append(bad, err)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
		p.waited <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30s of SIGTERM")
	}
	close(stop)
	wg.Wait()
	for _, err := range bad {
		// A request sent while the listener closes may see EOF or a reset
		// before any byte of an answer: the client never got an
		// acknowledgement, which is allowed. A server error is not.
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			t.Errorf("server error during shutdown: %v", err)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no request succeeded before SIGTERM")
	}
	p2 := start(t, dir)
	c2 := p2.iam(t)
	for _, name := range acked {
		if _, err := c2.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); err != nil {
			t.Fatalf("role %s acknowledged before SIGTERM is gone: %v", name, err)
		}
	}
	t.Logf("%d writes acknowledged before SIGTERM, all present after restart", len(acked))
}

func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused")
}

// TestStartupTime reports how long `trustbridge up` takes to answer
// /readyz on an existing SQLite store (the target is under
// 150 ms). It is a measurement, not an assertion: timings depend on the
// machine's load.
func TestStartupTime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	p := start(t, dir)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.waited
	p.waited <- nil
	var best time.Duration
	for i := 0; i < 3; i++ {
		q := start(t, dir)
		if best == 0 || q.ready < best {
			best = q.ready
		}
		_ = q.cmd.Process.Signal(syscall.SIGTERM)
		<-q.waited
		q.waited <- nil
	}
	t.Logf("start to ready on an existing store (best of 3, includes process exec and re-applying the demo world): %v", best)
}
