package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/awsquery"
)

// An Authenticator verifies a signed request for the given SigV4 service
// and returns the context carrying the authenticated caller. body is the
// request body already read (its hash is part of the signature).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error)
}

// A RESTService is a REST/JSON API (EKS, EKS Auth) served on the edge. It
// authenticates through the Authenticator itself because the body is read
// by the service.
type RESTService interface {
	// ServeREST serves one signed request whose credential scope names the
	// service; it writes AWS's REST/JSON envelope for every outcome.
	ServeREST(w http.ResponseWriter, r *http.Request)
}

// Recorder observes every edge request after it is served (metrics, audit).
type Recorder interface {
	Record(service, action, code string, status int, elapsed time.Duration)
}

// Config configures a Server.
type Config struct {
	// Query are the Query-protocol APIs, by SigV4 service name ("sts", "iam").
	Query map[string]*awsquery.Service
	// REST are the REST/JSON APIs, by SigV4 service name ("eks", "eks-auth").
	REST map[string]RESTService
	// Auth authenticates signed Query requests. Required.
	Auth Authenticator
	// Logger receives one debug line per request. If nil, slog.Default().
	Logger *slog.Logger
	// ExplainErrors appends trustbridge's one-line reason to denial messages
	// (a development aid; off by default because it reveals policy details).
	ExplainErrors bool
	// NewRequestID returns a request ID. Required.
	NewRequestID func() string
	// Recorder, if set, observes every request.
	Recorder Recorder
	// Mutated, if set, is called after every successful IAM action that
	// may have written to the store (anything but Get*, List*, Simulate*),
	// so caches see the write at once.
	Mutated func()
	// Extra handlers mounted on exact paths before AWS routing (for example
	// "/metrics").
	Extra map[string]http.Handler
}

// Server is the edge http.Handler.
type Server struct {
	cfg   Config
	ready atomic.Bool
	log   *slog.Logger
}

// New returns a Server. It is not ready (503 on /readyz) until SetReady.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// SetReady marks the server ready (or not) for /readyz.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

type requestInfoKey struct{}

// requestInfo is what the edge knows about one request, carried in its
// context: the request ID it assigned, and the operation name a REST
// service reports through SetAction. One allocation per request carries
// both (boxing the ID string alone would cost the same).
type requestInfo struct {
	id     string
	action string
}

func info(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return ri
}

// RequestID returns the request ID the edge assigned to the request in ctx,
// or "" if ctx carries none.
func RequestID(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// WithRequestID returns ctx carrying a request ID and an empty action (for
// REST services and tests; the edge does this for every AWS request).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, &requestInfo{id: id})
}

// SetAction records the AWS operation name (for example "DescribeCluster")
// of the request in ctx, which the edge uses as the action label of its
// request metrics and debug log line. A REST service calls it once it has
// routed the request, from the goroutine serving it and before ServeREST
// returns; the last call wins. It is a no-op when ctx did not come from
// WithRequestID, and it never allocates.
func SetAction(ctx context.Context, name string) {
	if ri := info(ctx); ri != nil {
		ri.action = name
	}
}

// Action returns the operation name last recorded with SetAction for the
// request in ctx, or "".
func Action(ctx context.Context) string {
	if ri := info(ctx); ri != nil {
		return ri.action
	}
	return ""
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
		return
	case "/readyz":
		w.Header().Set("Content-Type", "text/plain")
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	if h, ok := s.cfg.Extra[r.URL.Path]; ok {
		h.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	ri := &requestInfo{id: s.cfg.NewRequestID()}
	r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
	service := ScopeService(r)
	if rest, ok := s.cfg.REST[service]; ok {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rest.ServeREST(sw, r)
		s.done(r.Context(), start, ri.id, service, ri.action, sw.Header().Get("x-amzn-ErrorType"), sw.status)
		return
	}
	service, action, code, status := s.serveQuery(w, r, service, ri.id)
	s.done(r.Context(), start, ri.id, service, action, code, status)
}

// done writes the request's debug line and records it.
func (s *Server) done(ctx context.Context, start time.Time, id, service, action, code string, status int) {
	elapsed := time.Since(start)
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.Debug("request", "service", service, "action", action, "status", status, "code", code, "elapsed", elapsed, "request_id", id)
	}
	if s.cfg.Recorder != nil {
		s.cfg.Recorder.Record(service, action, code, status, elapsed)
	}
}

// statusWriter remembers the status a REST service answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// serveQuery serves a Query-protocol request and returns the service (the
// credential scope's, or for an unsigned request the one serving its
// action, "" if none does), action, error code ("" on success) and status
// it answered with.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, service, id string) (_, action, code string, status int) {
	asJSON := awsquery.WantsJSON(r)
	ns := "https://sts.amazonaws.com/doc/2011-06-15/"
	fail := func(err error) (string, string, string, int) {
		awsquery.WriteError(w, ns, id, err, asJSON, s.cfg.ExplainErrors)
		e, ok := apierror.As(err)
		if !ok {
			e = apierror.Internal()
		}
		return service, action, e.Code, e.HTTPStatus()
	}
	form, body, err := awsquery.ReadForm(r)
	if err != nil {
		return fail(err)
	}
	action = form.Get("Action")
	var svc *awsquery.Service
	signed := service != ""
	if signed {
		svc = s.cfg.Query[service]
		if svc == nil {
			return fail(&apierror.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: http.StatusForbidden, Explanation: "credential scope names service " + service + ", which trustbridge does not serve"})
		}
	} else {
		service, svc = s.findUnsigned(action)
		if svc == nil {
			if action == "" && r.URL.Path == "/" && r.Method == http.MethodGet {
				return s.banner(w)
			}
			if s.known(action) {
				return fail(apierror.MissingAuthenticationToken())
			}
			if action == "" {
				return fail(apierror.MissingAuthenticationToken())
			}
			return fail(apierror.InvalidAction(action, "2011-06-15"))
		}
	}
	ns = svc.Namespace
	a, err := svc.Lookup(action)
	if err != nil {
		return fail(err)
	}
	ctx := r.Context()
	if signed {
		ctx, err = s.cfg.Auth.Authenticate(ctx, r, body, service)
		if err != nil {
			return fail(err)
		}
	} else if !a.Unsigned {
		return fail(apierror.MissingAuthenticationToken())
	}
	if v := form.Get("Version"); v != "" && v != svc.Version {
		return fail(&apierror.Error{Code: "InvalidAction", Message: "Could not find operation " + action + " for version " + v, Status: http.StatusBadRequest})
	}
	result, err := svc.Call(ctx, a, form)
	if err != nil {
		return fail(err)
	}
	if s.cfg.Mutated != nil && service == "iam" && !readOnly(action) {
		s.cfg.Mutated()
	}
	awsquery.WriteResult(w, svc, action, id, result, asJSON)
	return service, action, "", http.StatusOK
}

func (s *Server) banner(w http.ResponseWriter) (string, string, string, int) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("trustbridge: a local AWS identity plane (STS, IAM, EKS, EKS Auth).\nPoint AWS clients here with AWS_ENDPOINT_URL.\n"))
	return "", "", "", http.StatusOK
}

func readOnly(action string) bool {
	return strings.HasPrefix(action, "Get") || strings.HasPrefix(action, "List") || strings.HasPrefix(action, "Simulate")
}

// findUnsigned returns the SigV4 name and the service whose action of this
// name may be called without a signature, or "", nil.
func (s *Server) findUnsigned(action string) (string, *awsquery.Service) {
	for name, svc := range s.cfg.Query {
		if a, ok := svc.Actions[action]; ok && a.Unsigned {
			return name, svc
		}
	}
	return "", nil
}

func (s *Server) known(action string) bool {
	for _, svc := range s.cfg.Query {
		if _, ok := svc.Actions[action]; ok {
			return true
		}
	}
	return false
}

// ScopeService returns the service named in the request's SigV4 credential
// scope (Authorization header or X-Amz-Credential query parameter), or ""
// for an unsigned request. It does not validate anything else.
func ScopeService(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		i := strings.Index(h, "Credential=")
		if i < 0 {
			return "?"
		}
		cred = h[i+len("Credential="):]
		if j := strings.IndexAny(cred, ", "); j >= 0 {
			cred = cred[:j]
		}
	} else if q := r.URL.Query().Get("X-Amz-Credential"); q != "" {
		cred = q
	} else {
		return ""
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return "?"
	}
	return parts[3]
}

// ListenAndServe serves h on addr until ctx is cancelled, then shuts down
// gracefully, letting in-flight requests finish (up to grace). ready, if
// non-nil, is called once the listener is bound.
func ListenAndServe(ctx context.Context, addr, certFile, keyFile string, h http.Handler, grace time.Duration, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(ln, certFile, keyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return srv.Shutdown(sctx)
}
