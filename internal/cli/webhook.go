package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/k8s/mutate"
	"github.com/trustbridge/trustbridge/internal/kubeserver"
)

func init() { register(newWebhookCommand) }

// webhookOptions are the flags of the Kubernetes-facing server, shared by
// `webhook` and `serve --webhook-addr`.
type webhookOptions struct {
	addr            string
	tlsCert, tlsKey string
	selfSigned      string
	selfSignedHosts []string
	cluster, region string
	kubeconfig      string
	noKubeAPI       bool
	awsAuthSource   string
	tokenHosts      []string

	annotationPrefix  string
	audience          string
	mountPath         string
	defaultRegion     string
	tokenExpiration   int64
	regionalSTS       bool
	injectEndpoint    string
	podIdentityURI    string
	denyOnError       bool
	strictAnnotations bool
	saGrace           time.Duration
}

// addFlags registers the flags. In serve the listen address and
// certificate flags are prefixed with "webhook-" (serve's --addr and
// --tls-cert are the edge's) and the address has no default: an empty
// --webhook-addr leaves the webhooks off.
func (o *webhookOptions) addFlags(fs *pflag.FlagSet, inServe bool) {
	addr, cert, key, addrDefault := "addr", "tls-cert", "tls-key", kubeserver.DefaultAddr
	addrHelp := "HTTPS listen address of /mutate, /authenticate, /authorize and /healthz"
	if inServe {
		addr, cert, key, addrDefault = "webhook-addr", "webhook-tls-cert", "webhook-tls-key", ""
		addrHelp = "also serve the Kubernetes webhooks (/mutate, /authenticate, /authorize, /healthz) over HTTPS on this address; needs --cluster"
	}
	fs.StringVar(&o.addr, addr, addrDefault, addrHelp)
	fs.StringVar(&o.tlsCert, cert, "", "webhook serving certificate (PEM), reloaded when it changes")
	fs.StringVar(&o.tlsKey, key, "", "private key (PEM) of the webhook serving certificate")
	fs.StringVar(&o.selfSigned, "self-signed", "", "instead of a certificate: create (or reuse) a private CA and serving certificate in this directory; DIR/ca.crt is the webhook configurations' caBundle")
	fs.StringSliceVar(&o.selfSignedHosts, "self-signed-host", nil, "extra DNS name or IP for the self-signed certificate (repeatable; the listen host, localhost and 127.0.0.1 are included)")
	fs.StringVar(&o.cluster, "cluster", "", "registered cluster the webhooks act for: NAME, REGION/NAME or a cluster ARN")
	fs.StringVar(&o.region, "region", "", "region of a bare --cluster NAME (default: $AWS_REGION, $AWS_DEFAULT_REGION, else every region is searched)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for reading ServiceAccounts, the aws-auth ConfigMap and ClusterRoles (default: in-cluster config, then $KUBECONFIG and ~/.kube/config)")
	fs.BoolVar(&o.noKubeAPI, "no-kubernetes-api", false, "do not read the cluster's API: tokens are mapped with the cluster's access entries and the world file's awsAuth, access policies use built-in rules, and pods still get Pod Identity from the stored associations but never IRSA (it needs the ServiceAccount's annotations), so other pods are admitted unmutated (or denied with --deny-on-error)")
	fs.StringVar(&o.awsAuthSource, "aws-auth-source", kubeserver.AWSAuthAuto, "where the aws-auth ConfigMap comes from: auto (the cluster when reachable, else the world file), cluster, or world")
	fs.StringSliceVar(&o.tokenHosts, "token-host", nil, "trustbridge's own STS host[:port] accepted in cluster-access tokens besides sts.amazonaws.com and sts.REGION.amazonaws.com (repeatable; only useful for an HTTPS edge)")

	fs.StringVar(&o.annotationPrefix, "annotation-prefix", mutate.DefaultAnnotationPrefix, "ServiceAccount and Pod annotation prefix")
	fs.StringVar(&o.audience, "token-audience", mutate.DefaultAudience, "audience of injected IRSA tokens when the ServiceAccount has no audience annotation")
	fs.StringVar(&o.mountPath, "token-mount-path", mutate.DefaultMountPath, "where the IRSA token volume is mounted in containers")
	fs.StringVar(&o.defaultRegion, "aws-default-region", "", "inject AWS_DEFAULT_REGION and AWS_REGION with this region (default: not injected, as on EKS)")
	fs.Int64Var(&o.tokenExpiration, "token-expiration", mutate.DefaultTokenExpiration, "lifetime in seconds of injected IRSA tokens when no annotation sets it (600 to 2^32)")
	fs.BoolVar(&o.regionalSTS, "sts-regional-endpoint", false, "inject AWS_STS_REGIONAL_ENDPOINTS=regional for ServiceAccounts without the sts-regional-endpoints annotation")
	fs.StringVar(&o.injectEndpoint, "inject-endpoint", "", "inject AWS_ENDPOINT_URL_STS with this URL (trustbridge's edge as pods reach it) so SDKs exchange IRSA tokens with trustbridge")
	fs.StringVar(&o.podIdentityURI, "pod-identity-credentials-uri", mutate.DefaultPodIdentityURI, "AWS_CONTAINER_CREDENTIALS_FULL_URI injected for Pod Identity (the agent's address)")
	fs.BoolVar(&o.denyOnError, "deny-on-error", false, "deny pods the webhook fails to mutate instead of admitting them unmutated")
	fs.BoolVar(&o.strictAnnotations, "strict-annotations", false, "treat invalid annotation values as errors instead of warning and using the default")
	fs.DurationVar(&o.saGrace, "serviceaccount-grace-period", mutate.DefaultGracePeriod, "how long to look for a pod's ServiceAccount created an instant before the pod")
}

// config builds the kubeserver configuration.
func (o *webhookOptions) config() kubeserver.Config {
	region := o.region
	if region == "" {
		region = envRegion()
	}
	return kubeserver.Config{
		Addr: o.addr, TLSCert: o.tlsCert, TLSKey: o.tlsKey, SelfSignedDir: o.selfSigned, SelfSignedHosts: o.selfSignedHosts,
		Cluster: o.cluster, Region: region, Kubeconfig: o.kubeconfig, NoKubernetesAPI: o.noKubeAPI,
		AWSAuthSource: o.awsAuthSource, TokenHosts: o.tokenHosts, ServiceAccountGracePeriod: o.saGrace,
		Mutate: mutate.Config{
			AnnotationPrefix: o.annotationPrefix, DefaultAudience: o.audience, MountPath: o.mountPath,
			DefaultRegion: o.defaultRegion, DefaultTokenExpiration: o.tokenExpiration, RegionalSTS: o.regionalSTS,
			PodIdentityURI: o.podIdentityURI, InjectEndpoint: o.injectEndpoint,
			DenyOnError: o.denyOnError, StrictAnnotations: o.strictAnnotations,
		},
	}
}

// envRegion is the region the AWS tools would use: $AWS_REGION, then
// $AWS_DEFAULT_REGION.
func envRegion() string {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

// A serverComponent runs next to the edge in runServer, on the same app:
// it returns the function that serves until its context ends, or nil
// when it has nothing to run.
type serverComponent func(ctx context.Context, a *app.App) (func(context.Context) error, error)

// component returns the webhook server as a serverComponent of serve, or
// nil when --webhook-addr is not set. edge is serve's configuration:
// when the edge serves HTTPS its address is accepted in tokens.
func (o *webhookOptions) component(stdout io.Writer, edge app.Config) (serverComponent, error) {
	if o.addr == "" {
		if o.cluster != "" {
			return nil, fmt.Errorf("--cluster is for the webhooks: give --webhook-addr too")
		}
		return nil, nil
	}
	if o.cluster == "" {
		return nil, fmt.Errorf("--webhook-addr needs --cluster (the registered cluster the webhooks act for)")
	}
	cfg := o.config()
	if edge.TLSCert != "" {
		if _, port, err := net.SplitHostPort(edge.Addr); err == nil && port != "0" {
			cfg.TokenHosts = append(cfg.TokenHosts, edge.Addr)
		}
	}
	return func(ctx context.Context, a *app.App) (func(context.Context) error, error) {
		ks, err := kubeserver.New(ctx, a, cfg)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return ks.Run(ctx, func(addr net.Addr) { printWebhookReady(stdout, ks, addr) })
		}, nil
	}, nil
}

// printWebhookReady prints the line scripts wait for, and where the
// caBundle is.
func printWebhookReady(w io.Writer, ks *kubeserver.Server, addr net.Addr) {
	fmt.Fprintf(w, "trustbridge webhook listening on https://%s for cluster %s\n", addr, ks.Cluster().ARN)
	if ks.CAFile() != "" {
		fmt.Fprintf(w, "webhook CA (caBundle): %s\n", ks.CAFile())
	}
}

func newWebhookCommand(g *globalOptions) *cobra.Command {
	o := &webhookOptions{}
	so := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Serve the Kubernetes webhooks: pod mutation (IRSA, Pod Identity), token authentication and authorization",
		Long: `webhook serves, for one registered cluster and over one HTTPS port:

  /mutate        the pod mutating admission webhook: IRSA (ServiceAccounts annotated
                 eks.amazonaws.com/role-arn) and Pod Identity (associations in the store)
  /authenticate  the TokenReview webhook: k8s-aws-v1 tokens from aws eks get-token or
                 trustbridge get-token, verified against trustbridge's credentials and
                 mapped by access entries and the aws-auth ConfigMap
  /authorize     the SubjectAccessReview webhook enforcing EKS access policies
  /healthz

It reads the same store as serve (--data-dir or --store) and the cluster's API
through --kubeconfig. The same endpoints run inside serve with --webhook-addr.
See docs/webhook.md and docs/cluster-access.md for the Kubernetes configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.cluster == "" {
				return fmt.Errorf("--cluster is required")
			}
			cfg, closer, err := so.config(g)
			if err != nil {
				return err
			}
			defer closer.Close()
			ctx := cmd.Context()
			a, err := app.New(ctx, cfg)
			if err != nil {
				return err
			}
			defer a.Close()
			ks, err := kubeserver.New(ctx, a, o.config())
			if err != nil {
				return err
			}
			return ks.Run(ctx, func(addr net.Addr) { printWebhookReady(g.stdout, ks, addr) })
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&so.dataDir, "data-dir", app.DefaultDataDir(), "directory of the embedded SQLite store and server key (the one serve uses)")
	fs.StringVar(&so.store, "store", "", "postgres://... DSN to use PostgreSQL instead of --data-dir")
	fs.StringVar(&so.serverKeyFile, "server-key-file", "", "server key ring file (default: server-key.json in --data-dir; required with --store)")
	fs.StringVar(&so.world, "world", "", "world file applied at start")
	fs.StringVar(&so.auditLog, "audit-log", "", "write the audit stream (token reviews, access policy decisions) to this file; - for stderr")
	o.addFlags(fs, false)
	return cmd
}
