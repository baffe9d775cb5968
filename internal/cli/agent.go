package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustbridge/trustbridge/internal/agent"
	"github.com/trustbridge/trustbridge/internal/metrics"
	"github.com/trustbridge/trustbridge/internal/server"
)

func init() { register(newAgentCommand) }

func newAgentCommand(g *globalOptions) *cobra.Command {
	var (
		cluster, endpoint, region, profile string
		metricsAddr                        string
		addrs                              []string
		cacheSize                          int
		refreshBefore, upstreamTimeout     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the EKS Pod Identity agent: serve /v1/credentials to pods on this node",
		Long: `agent is the EKS Pod Identity agent for any cluster. It serves GET /v1/credentials
on the --addr addresses (on EKS 169.254.170.23:80 and [fd00:ec2::23]:80; a loopback
port locally). Pods send their projected service-account token (audience
pods.eks.amazonaws.com) in the Authorization header; the agent exchanges it for
the associated role's credentials through the EKS Auth API at --endpoint
(trustbridge's edge, or https://eks-auth.REGION.api.aws), signing with this node's
own AWS credentials (environment, shared profile), and caches them per token.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := g.logger()
			if err != nil {
				return err
			}
			if cluster == "" || endpoint == "" {
				return fmt.Errorf("--cluster and --endpoint are required")
			}
			creds, sdkRegion, err := agent.NodeCredentials(cmd.Context(), profile)
			if err != nil {
				return err
			}
			if region == "" {
				region = sdkRegion
			}
			m := metrics.New()
			a, err := agent.New(agent.Config{
				Cluster: cluster, Endpoint: endpoint, Addrs: addrs, Region: region, Credentials: creds,
				CacheSize: cacheSize, RefreshBefore: refreshBefore, UpstreamTimeout: upstreamTimeout, Logger: logger,
				Metrics: m.Agent(),
			})
			if err != nil {
				return err
			}
			logger.Info("pod identity agent starting", "cluster", cluster, "endpoint", endpoint, "addrs", a.Addrs())
			if metricsAddr == "" {
				return a.Run(cmd.Context())
			}
			return runWithMetrics(cmd.Context(), metricsAddr, m, logger, a.Run)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cluster, "cluster", "", "name of the cluster this node belongs to (required)")
	f.StringVar(&endpoint, "endpoint", "", "EKS Auth endpoint: trustbridge's edge URL, or https://eks-auth.REGION.api.aws (required)")
	f.StringSliceVar(&addrs, "addr", agent.DefaultAddrs, "listen address (repeatable)")
	f.StringVar(&region, "region", "", "SigV4 region for EKS Auth (default: the AWS SDK's region, then us-east-1)")
	f.StringVar(&profile, "profile", "", "shared config profile of the node's credentials")
	f.IntVar(&cacheSize, "cache-size", agent.DefaultCacheSize, "credentials cached (one per service-account token)")
	f.DurationVar(&refreshBefore, "refresh-before", agent.DefaultRefreshBefore, "refresh cached credentials this long before they expire")
	f.DurationVar(&upstreamTimeout, "upstream-timeout", agent.DefaultUpstreamTimeout, "timeout of one EKS Auth call")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on /metrics at this address (e.g. 127.0.0.1:9464); empty: none")
	return cmd
}

// runWithMetrics runs run(ctx) while serving m on addr's /metrics. When
// either ends, the other is stopped; the first error is returned.
func runWithMetrics(ctx context.Context, addr string, m *metrics.Metrics, logger *slog.Logger, run func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	errc := make(chan error, 1)
	go func() {
		errc <- server.ListenAndServe(ctx, addr, "", "", mux, time.Second, func(a net.Addr) {
			logger.Info("metrics listening", "addr", a.String())
		})
		cancel()
	}()
	err := run(ctx)
	cancel()
	if merr := <-errc; err == nil && merr != nil {
		err = fmt.Errorf("metrics: %w", merr)
	}
	return err
}
