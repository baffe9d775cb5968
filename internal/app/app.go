// Package app assembles a trustbridge server from its configuration: the
// store, the server key ring, the world file, the request-path cache, the
// audit log, the authorizer, every AWS API and the edge HTTP server. The
// serve and up commands and the integration tests all build servers
// through it, so they run the same code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/trustbridge/trustbridge/internal/audit"
	"github.com/trustbridge/trustbridge/internal/auth"
	"github.com/trustbridge/trustbridge/internal/authz"
	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/eks"
	"github.com/trustbridge/trustbridge/internal/eksauth"
	"github.com/trustbridge/trustbridge/internal/heapfloor"
	"github.com/trustbridge/trustbridge/internal/iam"
	"github.com/trustbridge/trustbridge/internal/metrics"
	"github.com/trustbridge/trustbridge/internal/metrics/timedstore"
	"github.com/trustbridge/trustbridge/internal/oidc"
	"github.com/trustbridge/trustbridge/internal/policy"
	"github.com/trustbridge/trustbridge/internal/server"
	"github.com/trustbridge/trustbridge/internal/serverkey"
	"github.com/trustbridge/trustbridge/internal/sigv4"
	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/sqlite"
	"github.com/trustbridge/trustbridge/internal/store/storeopen"
	"github.com/trustbridge/trustbridge/internal/storecache"
	"github.com/trustbridge/trustbridge/internal/sts"
	"github.com/trustbridge/trustbridge/internal/world"
)

// DefaultAddr is the edge's default listen address.
const DefaultAddr = "127.0.0.1:4577"

// Config is everything a server needs.
type Config struct {
	// Addr is the edge listen address; default DefaultAddr.
	Addr string
	// TLSCert and TLSKey serve the edge over HTTPS when both are set.
	TLSCert, TLSKey string
	// Store is a data directory, ":memory:", or a postgres:// DSN.
	Store string
	// ServerKeyFile holds the server key ring. Default: server-key.json in
	// the data directory; in memory, a fresh ephemeral key. Required with
	// PostgreSQL (replicas must share it).
	ServerKeyFile string
	// WorldFile is applied at start and on Reload.
	WorldFile string
	// World, if set, is applied instead of WorldFile (the built-in demo).
	World []byte
	// ExplainErrors appends trustbridge's reason to denial messages.
	ExplainErrors bool
	// AuditLog receives the audit stream (JSON lines); nil: none.
	AuditLog io.Writer
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Partition of ARNs; default "aws".
	Partition string
	// Now, for tests; default time.Now.
	Now func() time.Time
	// OIDC overrides web identity verifier options (tests).
	OIDC oidc.Options
	// Metrics collects Prometheus metrics; New creates one if nil.
	Metrics *metrics.Metrics
	// MetricsOnEdge serves /metrics on the edge port.
	MetricsOnEdge bool
	// MetricsAddr, if set, serves /metrics on its own listener.
	MetricsAddr string
	// HeapFloor, if not 0, keeps the garbage collector's heap goal at or
	// above this many bytes while Run runs (package heapfloor). It is
	// ignored when GOGC is set in the environment.
	HeapFloor uint64
}

// App is an assembled server.
type App struct {
	Config Config
	Store  store.Store
	Ring   *serverkey.Ring
	Cache  *storecache.Cache
	Audit  *audit.Log
	Authz  *authz.Authorizer
	OIDC   *oidc.Verifier
	STS    *sts.Service
	IAM    *iam.Service
	EKS    *eks.Service
	// EKSAuth is AssumeRoleForPodIdentity.
	EKSAuth *eksauth.Service
	Edge    *server.Server
	Auth    *auth.Authenticator
	Log     *slog.Logger

	// Metrics are the process's Prometheus metrics.
	Metrics *metrics.Metrics

	query map[string]*awsquery.Service
}

// DefaultDataDir is the per-user data directory.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "trustbridge")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "trustbridge")
	}
	return "trustbridge-data"
}

// New opens the store and key ring, applies the world and assembles the
// services. Close releases them.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Store == "" {
		cfg.Store = DefaultDataDir()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	a := &App{Config: cfg, Log: cfg.Logger, Metrics: cfg.Metrics}
	ring, err := loadRing(cfg)
	if err != nil {
		return nil, err
	}
	a.Ring = ring
	st, err := storeopen.Open(ctx, cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", storeopen.Redact(cfg.Store), err)
	}
	// Every store call is timed (trustbridge_store_operation_duration_seconds).
	st = timedstore.New(st, cfg.Metrics.StoreLatency)
	a.Store = st
	a.Cache = storecache.New(st, storecache.Options{OpenSecret: a.OpenSecret, Now: cfg.Now})
	a.Audit = audit.New(cfg.AuditLog, st, 0, cfg.Logger)
	a.Authz = &authz.Authorizer{Cache: a.Cache, Audit: a.Audit, Partition: cfg.Partition, OnDecision: a.Metrics.Decision}
	oidcOpts := cfg.OIDC
	if oidcOpts.Now == nil {
		oidcOpts.Now = cfg.Now
	}
	a.OIDC = oidc.NewVerifier(oidcOpts)
	a.Metrics.CounterFunc(metrics.OIDCTokenCacheHitsInfo, func() float64 { return float64(a.OIDC.Stats().TokenCacheHits) })
	a.Metrics.CounterFunc(metrics.OIDCTokenCacheMissesInfo, func() float64 { return float64(a.OIDC.Stats().TokenCacheMisses) })
	a.Metrics.CounterFunc(metrics.OIDCFetchesInfo, func() float64 { return float64(a.OIDC.Stats().Fetches) })
	a.Metrics.CounterFunc(metrics.OIDCFetchFailuresInfo, func() float64 { return float64(a.OIDC.Stats().FetchErrors) })
	a.STS = &sts.Service{Cache: a.Cache, Authz: a.Authz, Ring: ring, OIDC: a.OIDC, Partition: cfg.Partition, Now: cfg.Now}
	a.IAM = &iam.Service{Store: st, Cache: a.Cache, Authz: a.Authz, Ring: ring, Partition: cfg.Partition, Now: cfg.Now}
	a.query = map[string]*awsquery.Service{"sts": a.STS.Query(), "iam": a.IAM.Query()}
	if err := a.ApplyWorld(ctx); err != nil {
		a.Close()
		return nil, err
	}
	auth := a.authenticator()
	a.EKS = &eks.Service{Store: st, Cache: a.Cache, Authz: a.Authz, Auth: auth, Partition: cfg.Partition, Now: cfg.Now, ExplainErrors: cfg.ExplainErrors, NewAssociationID: newAssociationID}
	a.EKSAuth = &eksauth.Service{Cache: a.Cache, Authz: a.Authz, Auth: auth, Ring: ring, OIDC: a.OIDC, Partition: cfg.Partition, Now: cfg.Now, ExplainErrors: cfg.ExplainErrors}
	a.Edge = server.New(server.Config{
		Query:         a.query,
		REST:          map[string]server.RESTService{ExplainService: explainAPI{a}, eks.SigningName: a.EKS, eksauth.SigningName: a.EKSAuth},
		Auth:          auth,
		Logger:        cfg.Logger,
		ExplainErrors: cfg.ExplainErrors,
		NewRequestID:  awsid.NewRequestID,
		Recorder:      a.Metrics,
		Extra:         a.edgeExtras(),
		Mutated:       a.Cache.Invalidate,
	})
	return a, nil
}

func loadRing(cfg Config) (*serverkey.Ring, error) {
	path := cfg.ServerKeyFile
	if path == "" {
		switch storeopen.KindOf(cfg.Store) {
		case storeopen.KindMemory:
			return serverkey.Generate()
		case storeopen.KindPostgres:
			return nil, errors.New("--server-key-file is required with a PostgreSQL store: every replica must share the same key (create one with `trustbridge key generate FILE`)")
		default:
			if err := os.MkdirAll(cfg.Store, 0o700); err != nil {
				return nil, err
			}
			path = filepath.Join(cfg.Store, "server-key.json")
		}
	}
	ring, err := serverkey.LoadOrCreate(path)
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	return ring, nil
}

// OpenSecret opens a long-term secret sealed at rest.
func (a *App) OpenSecret(accessKeyID string, sealed []byte) (string, error) {
	b, err := a.Ring.OpenSecret(sealed, []byte(accessKeyID))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// SealSecret seals a long-term secret for the store.
func (a *App) SealSecret(accessKeyID, secret string) ([]byte, error) {
	return a.Ring.SealSecret([]byte(secret), []byte(accessKeyID))
}

// PolicyChecker validates world-file policy documents with the engine.
func PolicyChecker(doc string, kind world.PolicyKind) error {
	var k policy.Kind
	limit := 0
	switch kind {
	case world.UserInlinePolicy:
		k, limit = policy.KindIdentity, policy.MaxInlineUserPolicySize
	case world.RoleInlinePolicy:
		k, limit = policy.KindIdentity, policy.MaxInlineRolePolicySize
	case world.ManagedPolicy:
		k, limit = policy.KindIdentity, policy.MaxManagedPolicySize
	case world.TrustPolicy:
		k, limit = policy.KindTrust, policy.MaxTrustPolicySize
	}
	_, err := policy.Parse(doc, k, limit)
	return err
}

// largeYAMLWorld is the size from which a YAML world file gets a warning:
// converting it whole takes about 30 times its size in memory.
const largeYAMLWorld = 8 << 20

// ApplyWorld applies the configured world (built-in or file), if any.
func (a *App) ApplyWorld(ctx context.Context) error {
	var f *world.File
	var err error
	name := a.Config.WorldFile
	parseStart := time.Now()
	switch {
	case a.Config.World != nil:
		name = "built-in demo world"
		f, err = world.Parse(name, a.Config.World, PolicyChecker)
	case a.Config.WorldFile != "":
		attrs := []any{"world", name}
		if fi, err := os.Stat(name); err == nil {
			attrs = append(attrs, "bytes", fi.Size())
		}
		a.Log.Info("loading world", attrs...)
		var raw []byte
		if raw, err = world.ReadFile(name); err != nil {
			return err
		}
		if len(raw) >= largeYAMLWorld && !world.IsJSON(raw) {
			a.Log.Warn("large YAML world file: it is converted whole before it is decoded, which takes about 30 times its size in memory; "+
				"a JSON world file is decoded element by element (trustbridge world export -o json writes one)", "world", name, "bytes", len(raw))
		}
		f, err = world.Parse(name, raw, PolicyChecker)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	if a.Config.World == nil {
		a.Log.Info("world loaded and checked", "world", name, "elapsed", time.Since(parseStart).Round(time.Millisecond))
	}
	start := time.Now()
	stats, err := world.Apply(ctx, a.Store, f, world.Deps{
		NewID:            awsid.NewUniqueID,
		NewAssociationID: newAssociationID,
		SealSecret:       a.SealSecret,
		OpenSecret:       a.OpenSecret,
		Now:              a.Config.Now,
		Progress:         world.LogProgress(a.Log, name),
	})
	a.Cache.Invalidate()
	if err != nil {
		return fmt.Errorf("apply world: %w", err)
	}
	a.Log.Info("world applied", "created_accounts", stats.Accounts, "created_users", stats.Users, "created_roles", stats.Roles,
		"created_policies", stats.Policies, "created_clusters", stats.Clusters, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// newAssociationID returns an EKS pod identity association ID: "a-" and 17
// lowercase letters and digits.
func newAssociationID() string {
	id := awsid.NewUniqueID("AAAA") // 4 + 17 characters of A-Z0-9
	b := []byte(id[4:])
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return "a-" + string(b)
}

// Run serves the edge until ctx ends, then shuts down gracefully. ready is
// called with the bound address.
func (a *App) Run(ctx context.Context, ready func(net.Addr)) error {
	if t := a.heapFloor(); t.Enabled() {
		tctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); t.Run(tctx) }()
		defer func() { stop(); <-done }()
	}
	if a.Config.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", a.Metrics.Handler())
		errc := make(chan error, 1)
		go func() { errc <- server.ListenAndServe(ctx, a.Config.MetricsAddr, "", "", mux, time.Second, nil) }()
		defer func() { <-errc }()
	}
	return server.ListenAndServe(ctx, a.Config.Addr, a.Config.TLSCert, a.Config.TLSKey, a.Edge, 10*time.Second, func(addr net.Addr) {
		a.Edge.SetReady(true)
		if ready != nil {
			ready(addr)
		}
	})
}

// heapFloor is the garbage collector tuner of Config.HeapFloor.
func (a *App) heapFloor() *heapfloor.Tuner {
	return &heapfloor.Tuner{Floor: a.Config.HeapFloor, OnChange: func(live uint64, percent int) {
		a.Log.Debug("garbage collector tuned to the heap floor", "live_heap_bytes", live, "gogc", percent, "heap_floor_bytes", a.Config.HeapFloor)
	}}
}

// Handler returns the edge handler (for httptest servers).
func (a *App) Handler() http.Handler { return a.Edge }

// Close releases the store and flushes the audit log.
func (a *App) Close() {
	if a.Audit != nil {
		_ = a.Audit.Close()
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
}

var _ = sqlite.Memory

func (a *App) authenticator() *auth.Authenticator {
	a.Auth = &auth.Authenticator{Cache: a.Cache, Ring: a.Ring, Verifier: sigv4.NewVerifier(), Partition: a.Config.Partition, Now: a.Config.Now}
	return a.Auth
}

func (a *App) edgeExtras() map[string]http.Handler {
	if !a.Config.MetricsOnEdge {
		return nil
	}
	return map[string]http.Handler{"/metrics": a.Metrics.Handler()}
}
