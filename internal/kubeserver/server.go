package kubeserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/kubernetes"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/k8s/accesspolicy"
	"github.com/trustbridge/trustbridge/internal/k8s/awsauth"
	"github.com/trustbridge/trustbridge/internal/k8s/mutate"
	"github.com/trustbridge/trustbridge/internal/k8s/tokenreview"
	"github.com/trustbridge/trustbridge/internal/k8s/webhook"
	"github.com/trustbridge/trustbridge/internal/metrics"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
)

// Paths served.
const (
	PathMutate       = "/mutate"
	PathAuthenticate = "/authenticate"
	PathAuthorize    = "/authorize"
	PathHealthz      = "/healthz"
	// PathMetrics serves the app's Prometheus metrics (GET, over the
	// same HTTPS listener).
	PathMetrics = "/metrics"
)

// userAgent identifies the server to the Kubernetes API.
const userAgent = "trustbridge-webhook"

// A Server is the Kubernetes-facing HTTPS server of one registered
// cluster. Build it with New and serve with Run.
type Server struct {
	cfg     Config
	app     *app.App
	cluster *store.Cluster
	log     *slog.Logger

	web    *webhook.Server
	caFile string

	client   kubernetes.Interface
	sas      *mutate.InformerServiceAccounts // nil without a client
	watcher  *awsauth.Watcher                // nil unless the ConfigMap is watched
	policies *accesspolicy.PolicyStore
	access   *clusterAccess

	authn   *tokenreview.Authenticator
	authz   *accesspolicy.Authorizer
	mutator *mutate.Mutator
	rec     *recorder

	running atomic.Bool
}

// New builds the server for cfg on a: it resolves the cluster in a's
// store, loads (or creates) the serving certificate, and connects the
// Kubernetes client if one is configured. It does not listen; see Run.
func New(ctx context.Context, a *app.App, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("webhook configuration: %w", err)
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = a.Log
	}
	cluster, err := ResolveCluster(ctx, a.Store, cfg.Cluster, cfg.Region)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, app: a, cluster: cluster, log: log.With("cluster", cluster.Name)}

	certFile, keyFile := cfg.TLSCert, cfg.TLSKey
	if cfg.SelfSignedDir != "" {
		hosts := append([]string{cfg.Addr}, cfg.SelfSignedHosts...)
		certFile, keyFile, s.caFile, err = webhook.SelfSigned(cfg.SelfSignedDir, hosts)
		if err != nil {
			return nil, err
		}
	}
	// The server-wide body bound sits above /mutate's own, so an oversized
	// AdmissionReview reaches the mutator, which logs and counts it.
	maxBody := max(cfg.Mutate.WithDefaults().MaxBodyBytes, webhook.DefaultMaxBodyBytes) + 1<<20
	s.web, err = webhook.New(webhook.Config{Addr: cfg.Addr, CertFile: certFile, KeyFile: keyFile, Logger: s.log, MaxBodyBytes: maxBody})
	if err != nil {
		return nil, err
	}

	if err := s.connect(); err != nil {
		return nil, err
	}
	s.access = newClusterAccess(a.Cache, cluster.ClusterRef, s.log)
	s.rec = &recorder{cluster: cluster, audit: a.Audit, log: s.log, newID: awsid.NewRequestID, metrics: a.Metrics}
	if err := s.assemble(ctx); err != nil {
		return nil, err
	}
	s.web.Handle("POST "+PathMutate, countReviews(a.Metrics, s.mutator))
	s.web.Handle("POST "+PathAuthenticate, http.HandlerFunc(s.serveTokenReview))
	s.web.Handle("POST "+PathAuthorize, &accesspolicy.Handler{Authorizer: s.authz, Cluster: accesspolicy.FixedCluster(cluster.Name)})
	if a.Metrics != nil {
		// The standalone `trustbridge webhook` has no edge to scrape.
		s.web.Handle("GET "+PathMetrics, a.Metrics.Handler())
	}
	return s, nil
}

// connect builds the Kubernetes client, if any.
func (s *Server) connect() error {
	switch {
	case s.cfg.Client != nil:
		s.client = s.cfg.Client
		return nil
	case s.cfg.NoKubernetesAPI:
		return nil
	}
	rc, err := webhook.RESTConfig(s.cfg.Kubeconfig, userAgent)
	if err != nil {
		if s.cfg.Kubeconfig != "" || s.cfg.AWSAuthSource == AWSAuthCluster {
			return err
		}
		s.log.Warn("no Kubernetes API access: /mutate injects Pod Identity only (IRSA needs the ServiceAccounts); /authenticate uses the world file's aws-auth data and /authorize the built-in access policies", "reason", err)
		return nil
	}
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	s.client = c
	return nil
}

// assemble wires the mutator, the authenticator and the authorizer.
func (s *Server) assemble(ctx context.Context) error {
	a, name := s.app, s.cluster.Name

	var sas mutate.ServiceAccounts = noServiceAccounts{}
	s.policies = &accesspolicy.PolicyStore{}
	var configMaps awsauth.ConfigMapLookup = s.access
	source := s.cfg.AWSAuthSource
	if s.client != nil {
		s.sas = mutate.NewInformerServiceAccounts(s.client, mutate.InformerConfig{GracePeriod: s.cfg.ServiceAccountGracePeriod, Logger: s.log})
		sas = s.sas
		s.web.AddHealthCheck("serviceaccounts", s.sas.Check)
		if source == AWSAuthAuto {
			source = AWSAuthCluster
		}
	} else if source == AWSAuthAuto {
		source = AWSAuthWorld
	}
	if source == AWSAuthCluster {
		s.watcher = awsauth.NewWatcher(s.client, 0)
		s.watcher.OnChange = s.configMapChanged
		configMaps = s.watcher
		s.web.AddHealthCheck("aws-auth", func(ctx context.Context) error {
			_, err := s.watcher.AWSAuth(ctx, name)
			return err
		})
		if s.cluster.AWSAuth != nil {
			s.log.Warn("the cluster's awsAuth section of the world file is ignored: the live kube-system/aws-auth ConfigMap is used (--aws-auth-source world uses the world file's)")
		}
	}
	s.cfg.AWSAuthSource = source

	mcfg := s.cfg.Mutate
	mcfg.Cluster = name
	m, err := mutate.New(mcfg, sas, associations{cache: a.Cache, ref: s.cluster.ClusterRef}, s.log)
	if err != nil {
		return err
	}
	s.mutator = m

	verifier := a.Auth.Verifier
	if verifier == nil {
		verifier = sigv4.NewVerifier()
	}
	mapper := &awsauth.Mapper{Clusters: s.access, ConfigMaps: configMaps}
	s.authn = &tokenreview.Authenticator{
		Verifier:     &tokenreview.SigV4Verifier{Credentials: credentials{auth: a.Auth}, SigV4: verifier},
		Mapper:       mapper,
		AllowedHosts: tokenreview.AllowedHosts(s.cfg.TokenHosts...),
		Now:          a.Config.Now,
	}
	s.authz = &accesspolicy.Authorizer{Associations: mapper, Policies: s.policies, Now: a.Config.Now, OnDecision: s.rec.accessDecision}

	// Fail early on a configuration the requests would all trip over.
	if _, err := s.access.ClusterAccess(ctx, name); err != nil {
		return err
	}
	return nil
}

// configMapChanged logs each new version of the live aws-auth ConfigMap
// and its problems.
func (s *Server) configMapChanged(cm *awsauth.ConfigMap) {
	if cm == nil {
		s.log.Info("aws-auth ConfigMap absent: it maps nobody")
		return
	}
	s.log.Info("aws-auth ConfigMap loaded", "mapRoles", len(cm.Roles), "mapUsers", len(cm.Users), "mapAccounts", len(cm.Accounts), "problems", len(cm.Problems))
	for _, p := range cm.Problems {
		s.log.Warn("aws-auth ConfigMap problem", "problem", p.String())
	}
}

// serveTokenReview serves /authenticate: the tokenreview handler with a
// decision recorder bound to this request.
func (s *Server) serveTokenReview(w http.ResponseWriter, r *http.Request) {
	a := *s.authn
	ctx, ip := r.Context(), remoteIP(r)
	a.OnDecision = func(d tokenreview.Decision) { s.rec.tokenDecision(ctx, d, ip) }
	h := tokenreview.Handler{Authenticator: &a, Cluster: tokenreview.FixedCluster(s.cluster.Name)}
	h.ServeHTTP(w, r)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Cluster returns the cluster the server acts for.
func (s *Server) Cluster() *store.Cluster { return s.cluster }

// CAFile returns the self-signed CA certificate's path (the caBundle of
// the webhook configurations), or "" when the server was given its own
// certificate.
func (s *Server) CAFile() string { return s.caFile }

// HasKubernetesAPI reports whether the server reads the cluster's API.
func (s *Server) HasKubernetesAPI() bool { return s.client != nil }

// AWSAuthSource returns where the aws-auth ConfigMap is read from:
// AWSAuthCluster or AWSAuthWorld.
func (s *Server) AWSAuthSource() string { return s.cfg.AWSAuthSource }

// Handler returns the routing handler without TLS (for tests).
func (s *Server) Handler() http.Handler { return s.web.Handler() }

// Run listens on the configured address, starts the Kubernetes caches
// (ServiceAccounts, the aws-auth ConfigMap, the access policies'
// ClusterRoles), waits up to SyncTimeout for them, calls ready with the
// bound address and serves HTTPS until ctx ends; then it shuts down
// gracefully and returns nil. A listen or serve failure is returned.
// Run may be called once; a later call returns an error at once.
func (s *Server) Run(ctx context.Context, ready func(net.Addr)) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("kubeserver: Run called twice")
	}
	return s.run(ctx, ready)
}

func (s *Server) run(ctx context.Context, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("webhook server: listen on %s: %w", s.cfg.Addr, err)
	}
	if s.client != nil {
		s.sas.Start(ctx)
		if s.watcher != nil {
			go s.watcher.Run(ctx)
		}
		go s.policies.Watch(ctx, s.cluster.Name, s.client, s.cfg.PolicyRefresh, func(err error) {
			s.log.Warn("reading the access policies' ClusterRoles failed; using the last rules read (or the built-in ones)", "err", err)
		})
		s.waitForSync(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.web.Serve(ln) }()
	s.log.Info("kubernetes webhooks serving", "addr", ln.Addr().String(), "clusterArn", s.cluster.ARN,
		"paths", strings.Join([]string{PathMutate, PathAuthenticate, PathAuthorize, PathHealthz, PathMetrics}, ","),
		"kubernetesAPI", s.client != nil, "awsAuthSource", s.cfg.AWSAuthSource, "caFile", s.caFile)
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownGrace)
	defer cancel()
	if err := s.web.Shutdown(sctx); err != nil {
		s.log.Warn("webhook server shutdown", "err", err)
	}
	<-errc
	return nil
}

// waitForSync waits, up to SyncTimeout, for the ServiceAccount cache and
// the aws-auth ConfigMap; serving starts either way (lookups fall back to
// the API, and mappings fail clearly until the ConfigMap is read).
func (s *Server) waitForSync(ctx context.Context) {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, s.cfg.SyncTimeout)
	defer cancel()
	if err := s.sas.WaitForSync(wctx); err != nil {
		s.log.Warn("serviceaccount cache not synced; serving with direct API lookups", "after", s.cfg.SyncTimeout)
	}
	if s.watcher != nil && !s.watcher.WaitForSync(wctx) {
		s.log.Warn("aws-auth ConfigMap not read yet; tokens mapped through it are rejected until it is", "after", s.cfg.SyncTimeout)
	}
	s.log.Debug("kubernetes caches synced", "elapsed", time.Since(start).Round(time.Millisecond))
}

// Results of trustbridge_admission_reviews_total.
const (
	// ReviewMutated: the Pod was admitted with a JSONPatch.
	ReviewMutated = "mutated"
	// ReviewUnchanged: the Pod (or another object) was admitted without a
	// patch — nothing to inject, already injected, or a mutation error
	// with the default failurePolicy: Ignore semantics (logged at Error).
	ReviewUnchanged = "unchanged"
	// ReviewDenied: the Pod was denied (mutation error with DenyOnError).
	ReviewDenied = "denied"
	// ReviewError: no AdmissionReview could be answered (malformed body,
	// too large, wrong content type); the API server applies the
	// webhook's failurePolicy.
	ReviewError = "error"
)

// countReviews wraps the /mutate handler to count admission reviews by
// result (ReviewMutated, ReviewUnchanged, ReviewDenied, ReviewError) in
// m.AdmissionReviews. It reads the answer the handler wrote; the answer
// carries no Pod data, only the UID, the decision and the patch. With a
// nil m it returns h.
func countReviews(m *metrics.Metrics, h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	counters := map[string]prometheus.Counter{}
	for _, r := range []string{ReviewMutated, ReviewUnchanged, ReviewDenied, ReviewError} {
		counters[r] = m.AdmissionReviews.WithLabelValues(r)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(cw, r)
		counters[reviewResult(cw.status, cw.body.Bytes())].Inc()
	})
}

// reviewResult classifies one /mutate answer. The markers are JSON keys
// of the response object; inside strings (warnings) quotes are escaped,
// so they cannot match there.
func reviewResult(status int, body []byte) string {
	switch {
	case status != http.StatusOK:
		return ReviewError
	case bytes.Contains(body, []byte(`"allowed":false`)):
		return ReviewDenied
	case bytes.Contains(body, []byte(`"patch":"`)):
		return ReviewMutated
	}
	return ReviewUnchanged
}

// captureWriter records the status and body written through it.
type captureWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if !c.wrote {
		c.status, c.wrote = code, true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	c.wrote = true
	c.body.Write(p)
	return c.ResponseWriter.Write(p)
}
