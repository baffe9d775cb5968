package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/heapfloor"
)

func init() { register(newServeCommand) }

// serveOptions are the flags of serve (and up).
type serveOptions struct {
	addr          string
	tlsCert       string
	tlsKey        string
	dataDir       string
	store         string
	serverKeyFile string
	world         string
	explainErrors bool
	auditLog      string
	metricsAddr   string
	heapFloorMiB  uint64
}

func (o *serveOptions) addFlags(fs *pflag.FlagSet, dataDirDefault string) {
	fs.StringVar(&o.addr, "addr", app.DefaultAddr, "edge listen address for every AWS API (STS, IAM, EKS, EKS Auth)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serve the edge over HTTPS with this certificate (PEM)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	fs.StringVar(&o.dataDir, "data-dir", dataDirDefault, "directory of the embedded SQLite store and server key; :memory: for a throwaway store")
	fs.StringVar(&o.store, "store", "", "postgres://... DSN to use PostgreSQL instead of --data-dir (for several replicas)")
	fs.StringVar(&o.serverKeyFile, "server-key-file", "", "server key ring file (default: server-key.json in --data-dir; required with --store; replicas share it)")
	fs.StringVar(&o.world, "world", "", "world file applied at start and again on SIGHUP")
	fs.BoolVar(&o.explainErrors, "explain-errors", false, "append trustbridge's reason to AccessDenied messages (development only: it reveals policy details)")
	fs.StringVar(&o.auditLog, "audit-log", "", "write the audit stream (one JSON event per decision) to this file; - for stderr")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics on this address instead of on the edge port")
	fs.Uint64Var(&o.heapFloorMiB, "gc-heap-floor-mib", heapfloor.DefaultFloorMiB, "while the live heap is small, let the heap grow to this many MiB between garbage collections (fewer collections, less CPU per request; costs at most this much memory); 0 for Go's default; ignored when GOGC is set")
}

func (o *serveOptions) config(g *globalOptions) (app.Config, io.Closer, error) {
	logger, err := g.logger()
	if err != nil {
		return app.Config{}, nil, err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return app.Config{}, nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if o.heapFloorMiB > 1<<20 {
		return app.Config{}, nil, fmt.Errorf("--gc-heap-floor-mib %d: at most %d (1 TiB)", o.heapFloorMiB, 1<<20)
	}
	cfg := app.Config{
		Addr: o.addr, TLSCert: o.tlsCert, TLSKey: o.tlsKey, Store: o.dataDir, ServerKeyFile: o.serverKeyFile,
		WorldFile: o.world, ExplainErrors: o.explainErrors, Logger: logger,
		MetricsOnEdge: o.metricsAddr == "", MetricsAddr: o.metricsAddr,
		HeapFloor: o.heapFloorMiB << 20,
	}
	if o.store != "" {
		cfg.Store = o.store
	}
	var closer io.Closer = io.NopCloser(nil)
	switch o.auditLog {
	case "":
	case "-":
		cfg.AuditLog = g.stderr
	default:
		f, err := os.OpenFile(o.auditLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return app.Config{}, nil, fmt.Errorf("--audit-log: %w", err)
		}
		cfg.AuditLog, closer = f, f
	}
	return cfg, closer, nil
}

func newServeCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	wh := &webhookOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve STS, IAM, EKS and EKS Auth on one endpoint",
		Long: `serve runs trustbridge's edge: every AWS API it implements on one HTTP port,
routed by the SigV4 credential scope. Point clients at it with
AWS_ENDPOINT_URL=http://127.0.0.1:4577.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, closer, err := o.config(g)
			if err != nil {
				return err
			}
			defer closer.Close()
			webhooks, err := wh.component(g.stdout, cfg)
			if err != nil {
				return err
			}
			return runServer(cmd.Context(), cfg, func(a *app.App, addr net.Addr) {
				fmt.Fprintf(g.stdout, "trustbridge listening on %s\n", endpointURL(addr, cfg.TLSCert != ""))
			}, webhooks)
		},
	}
	o.addFlags(cmd.Flags(), app.DefaultDataDir())
	wh.addFlags(cmd.Flags(), true)
	return cmd
}

func endpointURL(addr net.Addr, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + addr.String()
}

// runServer assembles and runs a server until ctx ends, re-applying the
// world file on SIGHUP. The non-nil components run next to the edge on the
// same app; the first failure of any stops them all.
func runServer(ctx context.Context, cfg app.Config, ready func(*app.App, net.Addr), components ...serverComponent) error {
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	var runs []func(context.Context) error
	for _, c := range components {
		if c == nil {
			continue
		}
		run, err := c(ctx, a)
		if err != nil {
			return err
		}
		if run != nil {
			runs = append(runs, run)
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := a.ApplyWorld(ctx); err != nil {
					a.Log.Error("re-applying the world file failed; the previous state is unchanged", "err", err)
				}
			}
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.Run(gctx, func(addr net.Addr) { ready(a, addr) }) })
	for _, run := range runs {
		g.Go(func() error { return run(gctx) })
	}
	return g.Wait()
}
