package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxBodyBytes is the default bound on a request body: the
// kube-apiserver accepts request bodies of up to 3 MiB, and an
// AdmissionReview wraps the object (and, for updates, the old object) in an
// envelope, so 4 MiB leaves headroom for any object the API server can
// store while still bounding what an unauthenticated caller can make the
// server buffer.
const DefaultMaxBodyBytes int64 = 4 << 20

// DefaultCertCheckInterval is how often, at most, the certificate and key
// files are checked for changes.
const DefaultCertCheckInterval = 10 * time.Second

// ErrBodyTooLarge is returned by ReadBody when the request body exceeds the
// limit.
var ErrBodyTooLarge = errors.New("request body too large")

// Config configures a Server.
type Config struct {
	// Addr is the TCP address ListenAndServe listens on, "host:port".
	Addr string
	// CertFile and KeyFile are the PEM-encoded certificate chain and
	// private key. Both are required. They are loaded by New (which fails
	// if they do not form a valid pair) and reloaded when either file's
	// size or modification time changes, so a rotated certificate (for
	// example by cert-manager) is served without a restart. A reload that
	// fails keeps the previous certificate and logs a warning.
	CertFile, KeyFile string
	// CertCheckInterval is how often, at most, the files are checked for
	// changes. If zero, DefaultCertCheckInterval; negative disables
	// reloading.
	CertCheckInterval time.Duration
	// MaxBodyBytes bounds every request body; a larger declared
	// Content-Length is answered 413 before the handler runs, and a body
	// that turns out larger makes reads fail (see ReadBody). If zero,
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger receives server events, and one debug line per request
	// (method, path, status, duration; never headers or bodies). If nil,
	// slog.Default().
	Logger *slog.Logger
	// Observe, if set, is called after every request with the matched
	// route pattern (for example "POST /mutate"; "" when none matched),
	// the status written and the time taken, for metrics.
	Observe func(pattern string, status int, elapsed time.Duration)
}

// A Server is the HTTPS server for trustbridge's Kubernetes-facing
// endpoints. Endpoints are mounted with Handle; /healthz is built in. The
// zero value is not usable; call New.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	certs  *certReloader
	srv    *http.Server
	maxLen int64

	mu     sync.Mutex // guards checks and addr
	checks []healthCheck
	addr   net.Addr
}

type healthCheck struct {
	name  string
	check func(context.Context) error
}

// New returns a Server for cfg. It loads the certificate pair and fails if
// it is missing or invalid.
func New(cfg Config) (*Server, error) {
	if cfg.CertFile == "" || cfg.KeyFile == "" {
		return nil, errors.New("webhook server: a TLS certificate and key are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	interval := cfg.CertCheckInterval
	if interval == 0 {
		interval = DefaultCertCheckInterval
	}
	certs, err := newCertReloader(cfg.CertFile, cfg.KeyFile, interval, log)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		log:    log,
		mux:    http.NewServeMux(),
		certs:  certs,
		maxLen: cfg.MaxBodyBytes,
	}
	if s.maxLen <= 0 {
		s.maxLen = DefaultMaxBodyBytes
	}
	s.mux.HandleFunc("GET /healthz", s.serveHealth)
	s.srv = &http.Server{
		Handler: s.Handler(),
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: certs.GetCertificate,
		},
		ReadHeaderTimeout: 10 * time.Second,
		// The API server's webhook timeout is at most 30 s.
		ReadTimeout:  30 * time.Second,
		WriteTimeout: 30 * time.Second,
		IdleTimeout:  90 * time.Second,
		// TLS handshake failures from probes and scanners are routine;
		// keep them at debug level.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Handle mounts h on pattern (http.ServeMux syntax, for example
// "POST /mutate"). It may be called before or while serving. It panics, as
// http.ServeMux does, on a conflicting pattern.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// AddHealthCheck adds a named check run by /healthz; /healthz answers 503
// while any check returns an error (the error itself is logged, not
// served).
func (s *Server) AddHealthCheck(name string, check func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks = append(s.checks, healthCheck{name: name, check: check})
}

// Handler returns the server's routing http.Handler with the body-size
// bound applied, without TLS. It is what Serve serves; tests and benchmarks
// may mount it on their own listener.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		debug := s.log.Enabled(r.Context(), slog.LevelDebug)
		if !debug && s.cfg.Observe == nil {
			s.serve(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.serve(sw, r)
		elapsed := time.Since(start)
		if s.cfg.Observe != nil {
			s.cfg.Observe(r.Pattern, sw.status, elapsed)
		}
		if debug {
			s.log.Debug("webhook request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "elapsed", elapsed, "remote", r.RemoteAddr)
		}
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > s.maxLen {
		http.Error(w, fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, s.maxLen), http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxLen)
	s.mux.ServeHTTP(w, r)
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// MaxBodyBytes returns the request body bound in force.
func (s *Server) MaxBodyBytes() int64 { return s.maxLen }

// ListenAndServe listens on Config.Addr and serves HTTPS until Shutdown.
// It returns nil after a Shutdown.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("webhook server: listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ln)
}

// Serve serves HTTPS (HTTP/1.1 and HTTP/2) on ln until Shutdown. It takes
// ownership of ln and returns nil after a Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	s.log.Info("webhook server listening", "addr", ln.Addr().String())
	err := s.srv.ServeTLS(ln, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Addr returns the address being served, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// requests in flight to complete.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	checks := append([]healthCheck(nil), s.checks...)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	for _, c := range checks {
		if err := c.check(ctx); err != nil {
			s.log.Warn("health check failed", "check", c.name, "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "check "+c.name+" failed\n")
			return
		}
	}
	_, _ = io.WriteString(w, "ok\n")
}

// ReadBody reads r's body, up to limit bytes, and closes it. A body longer
// than limit yields ErrBodyTooLarge (also when the Server's own bound,
// applied through http.MaxBytesReader, is hit first). If limit <= 0,
// DefaultMaxBodyBytes is used.
func ReadBody(r *http.Request, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	defer r.Body.Close()
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes declared, limit %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	var buf []byte
	if r.ContentLength > 0 {
		buf = make([]byte, 0, r.ContentLength+1)
	}
	lr := &io.LimitedReader{R: r.Body, N: limit + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("%w: limit %d bytes", ErrBodyTooLarge, limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, fmt.Errorf("%w: limit %s bytes", ErrBodyTooLarge, strconv.FormatInt(mbe.Limit, 10))
			}
			return nil, fmt.Errorf("read request body: %w", err)
		}
	}
}
