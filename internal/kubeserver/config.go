package kubeserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/trustbridge/trustbridge/internal/k8s/mutate"
)

// Defaults of Config.
const (
	// DefaultAddr is the default HTTPS listen address: loopback only. In a
	// cluster, listen on ":8443" behind a Service.
	DefaultAddr = "127.0.0.1:8443"
	// DefaultPolicyRefresh is how often the access policies' rules are
	// re-read from the cluster's admin, edit and view ClusterRoles.
	DefaultPolicyRefresh = 5 * time.Minute
	// DefaultSyncTimeout bounds how long Run waits for the ServiceAccount
	// cache and the aws-auth ConfigMap before serving anyway.
	DefaultSyncTimeout = 30 * time.Second
	// DefaultShutdownGrace bounds how long Run waits for requests in
	// flight when its context ends.
	DefaultShutdownGrace = 10 * time.Second
)

// Sources of the aws-auth ConfigMap (Config.AWSAuthSource).
const (
	// AWSAuthAuto reads the ConfigMap from the cluster when a Kubernetes
	// client is configured, and the world file's copy otherwise.
	AWSAuthAuto = "auto"
	// AWSAuthCluster watches kube-system/aws-auth through the Kubernetes
	// client (required).
	AWSAuthCluster = "cluster"
	// AWSAuthWorld uses the cluster's awsAuth section of the world file,
	// as stored with the cluster, even when the cluster is reachable.
	AWSAuthWorld = "world"
)

// Config configures a Server. Zero values select the defaults noted.
type Config struct {
	// Addr is the HTTPS listen address, "host:port". Default DefaultAddr.
	Addr string
	// TLSCert and TLSKey are the serving certificate chain and key (PEM),
	// reloaded when they change on disk. Exactly one of the pair and
	// SelfSignedDir is required.
	TLSCert, TLSKey string
	// SelfSignedDir holds a private CA and a serving certificate that
	// trustbridge creates (or reuses) there — ca.crt is the caBundle of
	// the webhook configurations. For local clusters.
	SelfSignedDir string
	// SelfSignedHosts are extra DNS names or IPs for the self-signed
	// certificate; the host of Addr, localhost, 127.0.0.1 and ::1 are
	// always included.
	SelfSignedHosts []string

	// Cluster names the registered cluster the webhooks act for: NAME,
	// REGION/NAME or a cluster ARN (see ResolveCluster). Required.
	Cluster string
	// Region is where a bare cluster NAME is looked up; if empty, every
	// AWS region is searched.
	Region string

	// Kubeconfig is how the server reads ServiceAccounts, the aws-auth
	// ConfigMap and ClusterRoles: a kubeconfig file; if empty, the
	// in-cluster configuration, then $KUBECONFIG and ~/.kube/config. When
	// Kubeconfig is empty and none of those exists, the server runs
	// without Kubernetes API access (see package documentation).
	Kubeconfig string
	// NoKubernetesAPI runs without Kubernetes API access even if a
	// configuration could be found: /authenticate and /authorize use the
	// world file's awsAuth and the built-in access policy rules, and
	// /mutate injects Pod Identity only (its associations are in the
	// store); IRSA needs the ServiceAccounts, so other pods are admitted
	// unmutated.
	NoKubernetesAPI bool
	// Client, if set, is the Kubernetes client to use instead of one built
	// from Kubeconfig (tests).
	Client kubernetes.Interface
	// AWSAuthSource is AWSAuthAuto (default), AWSAuthCluster or
	// AWSAuthWorld.
	AWSAuthSource string

	// Mutate configures the pod mutation; its Cluster is set to the
	// resolved cluster's name.
	Mutate mutate.Config
	// ServiceAccountGracePeriod is how long a pod's ServiceAccount is
	// looked for when neither the cache nor the API has it yet. If zero,
	// mutate.DefaultGracePeriod.
	ServiceAccountGracePeriod time.Duration

	// TokenHosts are trustbridge's own STS endpoints (host or host:port)
	// accepted in cluster-access tokens besides the AWS STS hosts real
	// clients sign for (sts.amazonaws.com, sts.REGION.amazonaws.com).
	// Tokens always carry https URLs, so only an edge served over TLS is
	// useful here.
	TokenHosts []string

	// PolicyRefresh is how often access policy rules are re-read from the
	// cluster's ClusterRoles. If zero, DefaultPolicyRefresh.
	PolicyRefresh time.Duration
	// SyncTimeout bounds the wait for the caches in Run. If zero,
	// DefaultSyncTimeout.
	SyncTimeout time.Duration
	// ShutdownGrace bounds the graceful shutdown in Run. If zero,
	// DefaultShutdownGrace.
	ShutdownGrace time.Duration

	// Logger; if nil, the app's logger.
	Logger *slog.Logger
}

// withDefaults returns c with zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.AWSAuthSource == "" {
		c.AWSAuthSource = AWSAuthAuto
	}
	if c.PolicyRefresh == 0 {
		c.PolicyRefresh = DefaultPolicyRefresh
	}
	if c.SyncTimeout == 0 {
		c.SyncTimeout = DefaultSyncTimeout
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	return c
}

// Validate reports every invalid field of c (after defaults), naming the
// flag-level field.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr: %q is not host:port", c.Addr))
	}
	switch {
	case c.SelfSignedDir != "" && (c.TLSCert != "" || c.TLSKey != ""):
		errs = append(errs, errors.New("tls: give either a certificate and key or a self-signed directory, not both"))
	case c.SelfSignedDir == "" && (c.TLSCert == "" || c.TLSKey == ""):
		errs = append(errs, errors.New("tls: a certificate and key (both) or a self-signed directory is required: the API server calls webhooks over HTTPS only"))
	}
	if c.Cluster == "" {
		errs = append(errs, errors.New("cluster: required (NAME, REGION/NAME or a cluster ARN)"))
	}
	switch c.AWSAuthSource {
	case AWSAuthAuto, AWSAuthWorld:
	case AWSAuthCluster:
		if c.NoKubernetesAPI && c.Client == nil {
			errs = append(errs, errors.New("aws-auth source cluster needs Kubernetes API access"))
		}
	default:
		errs = append(errs, fmt.Errorf("aws-auth source: %q is not auto, cluster or world", c.AWSAuthSource))
	}
	if c.PolicyRefresh < 0 || c.SyncTimeout < 0 || c.ShutdownGrace < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	m := c.Mutate
	m.Cluster = "x" // set by New
	if err := m.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
