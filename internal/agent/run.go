package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// shutdownGrace bounds how long Serve waits for requests in flight after
// its context is canceled.
const shutdownGrace = 5 * time.Second

// Run listens on every address of the agent and serves until ctx is
// canceled, then shuts down gracefully. If any address cannot be bound, Run
// binds none and returns an error saying how to fix it. After Run returns
// the Agent is closed.
func (a *Agent) Run(ctx context.Context) error {
	ls, err := a.Listen(ctx)
	if err != nil {
		a.Close()
		return err
	}
	return a.Serve(ctx, ls...)
}

// Listen binds every address of the agent. On failure it closes what it
// bound and returns an error naming the address and the fix.
func (a *Agent) Listen(ctx context.Context) ([]net.Listener, error) {
	var lc net.ListenConfig
	ls := make([]net.Listener, 0, len(a.addrs))
	for _, addr := range a.addrs {
		l, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, listenError(addr, err)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// listenError explains a bind failure in terms of what to do about it.
func listenError(addr string, err error) error {
	host, port, _ := net.SplitHostPort(addr)
	switch {
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		setup := "ip addr add " + host + "/32 dev lo"
		if ip, perr := netip.ParseAddr(host); perr == nil && ip.Is6() && !ip.Is4In6() {
			setup = "ip -6 addr add " + host + "/128 dev lo"
		}
		return fmt.Errorf("agent: listen on %s: %s is not an address of this host; add it with `%s` "+
			"(in Kubernetes the agent DaemonSet's init container does this, with hostNetwork and NET_ADMIN), "+
			"or choose other addresses with --addr: %w", addr, host, setup, err)
	case errors.Is(err, syscall.EAFNOSUPPORT):
		return fmt.Errorf("agent: listen on %s: this host does not support the address family (IPv6 disabled?); "+
			"list only the addresses you need with --addr: %w", addr, err)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("agent: listen on %s: port %s needs root or CAP_NET_BIND_SERVICE; "+
			"run with that capability or use a port above 1023 with --addr (e.g. 127.0.0.1:2703 locally): %w", addr, port, err)
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("agent: listen on %s: the address is already in use; is another Pod Identity agent "+
			"(EKS's eks-pod-identity-agent add-on or another trustbridge agent) running on this node?: %w", addr, err)
	}
	return fmt.Errorf("agent: listen on %s: %w", addr, err)
}

// Serve serves the agent's handler on ls until ctx is canceled or a
// listener fails, then stops accepting, waits up to 5 s for requests in
// flight, and closes the Agent. It returns nil after a cancellation and the
// listener's error otherwise. Serve takes ownership of ls.
func (a *Agent) Serve(ctx context.Context, ls ...net.Listener) error {
	defer a.Close()
	if len(ls) == 0 {
		return errors.New("agent: no listeners")
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      a.timeout + 10*time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    maxTokenBytes + 16<<10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, len(ls))
	for _, l := range ls {
		a.log.LogAttrs(ctx, slog.LevelInfo, "agent listening", slog.String("addr", l.Addr().String()), slog.String("cluster", a.cluster), slog.String("eks_auth", a.client.url))
		go func() { errc <- srv.Serve(l) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("agent: serve: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		a.Close() // abort upstream calls the remaining handlers wait on
		srv.Close()
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "agent stopped")
	return err
}
