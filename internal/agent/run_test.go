package agent

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func ipv6Loopback() bool {
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func TestServe(t *testing.T) {
	addrs := []string{"127.0.0.1:0"}
	if ipv6Loopback() {
		addrs = append(addrs, "[::1]:0")
	}
	e := newTestEnv(t, func(c *Config) { c.Addrs = addrs })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ls, err := e.agent.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.agent.Serve(ctx, ls...) }()
	tok := e.token("default", "app")
	get := func(addr, host string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+CredentialsPath, nil)
		req.Header.Set("Authorization", tok)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, l := range ls {
		addr := l.Addr().String()
		if code, body := get(addr, ""); code != 200 || !strings.Contains(body, `"AccessKeyId":"ASIAPOD`) {
			t.Errorf("%s: %d %s", addr, code, body)
		}
		_, port, _ := net.SplitHostPort(addr)
		if code, body := get(addr, "localhost:"+port); code != 200 {
			t.Errorf("%s as localhost: %d %s", addr, code, body)
		}
		if code, body := get(addr, "rebind.example.com:"+port); code != 400 {
			t.Errorf("%s with a foreign Host: %d %s", addr, code, body)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := net.Dial("tcp", ls[0].Addr().String()); err == nil {
		t.Error("still accepting after shutdown")
	}
	if !strings.Contains(e.logs.String(), "agent listening") || !strings.Contains(e.logs.String(), "agent stopped") {
		t.Errorf("lifecycle not logged: %s", e.logs)
	}
}

func TestListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free, _ := net.Listen("tcp", "127.0.0.1:0")
	freeAddr := free.Addr().String()
	free.Close()

	tests := []struct {
		name  string
		addrs []string
		want  []string // any one of these must appear
	}{
		{"IPv4 address not on host", []string{"198.51.100.7:0"}, []string{"198.51.100.7 is not an address of this host; add it with `ip addr add 198.51.100.7/32 dev lo`", "DaemonSet's init container"}},
		{"IPv6 address not on host", []string{"[2001:db8::1]:0"}, []string{"add it with `ip -6 addr add 2001:db8::1/128 dev lo`", "IPv6 disabled?"}},
		{"in use", []string{busy.Addr().String()}, []string{"already in use; is another Pod Identity agent"}},
		{"second address fails, first released", []string{freeAddr, "198.51.100.7:0"}, []string{"listen on 198.51.100.7:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, func(c *Config) { c.Addrs = tt.addrs })
			err := e.agent.Run(context.Background())
			if err == nil {
				t.Fatal("Run succeeded")
			}
			found := false
			for _, w := range tt.want {
				found = found || strings.Contains(err.Error(), w)
			}
			if !found {
				t.Fatalf("error %q lacks any of %q", err, tt.want)
			}
		})
	}
	// The first listener of the failed Run was closed.
	l, err := net.Listen("tcp", freeAddr)
	if err != nil {
		t.Fatalf("address bound by a failed Run was not released: %v", err)
	}
	l.Close()
}

func TestListenPrivilegedPort(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may bind port 80")
	}
	e := newTestEnv(t, func(c *Config) { c.Addrs = []string{"127.0.0.1:80"} })
	_, err := e.agent.Listen(context.Background())
	if err == nil || !strings.Contains(err.Error(), "CAP_NET_BIND_SERVICE") {
		t.Fatalf("err = %v", err)
	}
}

func TestServeNoListeners(t *testing.T) {
	e := newTestEnv(t, nil)
	if err := e.agent.Serve(context.Background()); err == nil {
		t.Fatal("Serve with no listeners succeeded")
	}
}

func TestServeListenerFailure(t *testing.T) {
	e := newTestEnv(t, nil)
	err := e.agent.Serve(context.Background(), failingListener{})
	if err == nil || !strings.Contains(err.Error(), "accept broke") {
		t.Fatalf("err = %v", err)
	}
}

type failingListener struct{}

func (failingListener) Accept() (net.Conn, error) { return nil, errors.New("accept broke") }
func (failingListener) Close() error              { return nil }
func (failingListener) Addr() net.Addr            { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
