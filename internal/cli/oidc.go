package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // AWS defines OIDC provider thumbprints as SHA-1
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/trustbridge/trustbridge/internal/oidc"
)

func init() { register(newOIDCCommand) }

// Self-signed material written by oidc publish --self-signed DIR.
const (
	selfSignedCAFile   = "ca.crt"
	selfSignedCertFile = "tls.crt"
	selfSignedKeyFile  = "tls.key"
	// selfSignedValidity is how long generated certificates are valid. The
	// CA's thumbprint is what an IAM OIDC provider pins, so it should not
	// change often; the CA's private key is discarded after signing.
	selfSignedValidity = 5 * 365 * 24 * time.Hour
	// selfSignedRenewBefore: existing certificates closer than this to
	// expiry are replaced at start.
	selfSignedRenewBefore = 30 * 24 * time.Hour
)

func newOIDCCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "oidc",
		Short: "Publish a Kubernetes cluster's service-account issuer (for IRSA on self-managed clusters)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newOIDCPublishCommand(g))
	return cmd
}

// oidcPublishOptions are the flags of oidc publish.
type oidcPublishOptions struct {
	kubeconfig  string
	kubecontext string
	issuerURL   string
	jwksURL     string
	dir         string
	addr        string
	tlsCert     string
	tlsKey      string
	selfSigned  string
	refresh     time.Duration
	timeout     time.Duration
}

func newOIDCPublishCommand(g *globalOptions) *cobra.Command {
	o := &oidcPublishOptions{}
	cmd := &cobra.Command{
		Use:   "publish --issuer-url https://HOST/PATH (--dir DIR | --addr HOST:PORT (--tls-cert F --tls-key F | --self-signed DIR))",
		Short: "Publish a cluster's OIDC discovery document and keys under an issuer URL you control",
		Long: `publish reads a cluster's service-account issuer documents through its API server
(GET /.well-known/openid-configuration and /openid/v1/jwks, with the kubeconfig's
credentials), points them at --issuer-url and either writes them to a directory
for static hosting (--dir: upload it to an S3 bucket or a web server's document
root) or serves them over HTTPS itself (--addr), refreshing the keys from the
cluster every --refresh.

STS (trustbridge's or AWS's) then verifies the cluster's service-account tokens
with the published keys. For that, every token's iss must equal --issuer-url:
start kube-apiserver with

  --service-account-issuer=<issuer URL>
  --service-account-jwks-uri=<issuer URL>/keys.json

and create an IAM OIDC provider for the issuer URL with client ID
sts.amazonaws.com. A warning is printed when the cluster's issuer differs.

The kubeconfig's identity needs get on the two documents, which the ClusterRole
system:service-account-issuer-discovery grants. Without --kubeconfig, the
in-cluster configuration is used when running in a pod, else $KUBECONFIG or
~/.kube/config.

With --self-signed DIR, a CA and a serving certificate for the issuer's host are
created in DIR (ca.crt, tls.crt, tls.key) or reused from an earlier run; give
ca.crt to trustbridge (caFile of the OIDC provider in the world file) or the
printed thumbprint to IAM.`,
		Example: `  # static hosting (S3, nginx):
  trustbridge oidc publish --issuer-url https://oidc.example.com/clusters/prod --dir ./issuer
  # serve it from here, with your certificate:
  trustbridge oidc publish --issuer-url https://oidc.example.com/clusters/prod \
    --addr :443 --tls-cert tls.crt --tls-key tls.key
  # local development:
  trustbridge oidc publish --issuer-url https://127.0.0.1:8443/clusters/dev \
    --addr 127.0.0.1:8443 --self-signed ./issuer-tls`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), g)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster to publish (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&o.kubecontext, "context", "", "kubeconfig context to use (default: the current context)")
	fs.StringVar(&o.issuerURL, "issuer-url", "", "https URL the issuer is published under; must equal the cluster's --service-account-issuer (required)")
	fs.StringVar(&o.jwksURL, "jwks-url", "", "URL of the published JWKS (default: <issuer-url>/keys.json)")
	fs.StringVar(&o.dir, "dir", "", "write the documents to this directory for static hosting, then exit")
	fs.StringVar(&o.addr, "addr", "", "serve the documents over HTTPS on this address (default with a TLS flag: the issuer URL's host and port)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "serving certificate (PEM; the chain up to the CA)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	fs.StringVar(&o.selfSigned, "self-signed", "", "serve with a self-signed CA and certificate kept in this directory (created if needed)")
	fs.DurationVar(&o.refresh, "refresh", 5*time.Minute, "while serving, re-read the keys from the cluster this often (0: never)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout for reading the documents from the cluster")
	return cmd
}

// validate checks flag combinations and the URLs before the cluster is
// contacted, and fills in the default listen address.
func (o *oidcPublishOptions) validate() error {
	if o.issuerURL == "" {
		return errors.New("--issuer-url is required: the https URL the issuer is published under")
	}
	// Rewrite applies exactly the rules the published documents must meet.
	if _, err := oidc.Rewrite([]byte("{}"), o.issuerURL, o.jwksURL); err != nil {
		return fmt.Errorf("--issuer-url/--jwks-url: %w", err)
	}
	serving := o.addr != "" || o.tlsCert != "" || o.tlsKey != "" || o.selfSigned != ""
	switch {
	case o.dir == "" && !serving:
		return errors.New("say where to publish: --dir DIR, or --addr HOST:PORT with --tls-cert/--tls-key or --self-signed DIR")
	case o.dir != "" && serving:
		return errors.New("--dir writes files and exits; it does not go with --addr, --tls-cert, --tls-key or --self-signed")
	case o.dir != "":
		return nil
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case o.tlsCert != "" && o.selfSigned != "":
		return errors.New("--self-signed does not go with --tls-cert/--tls-key")
	case o.tlsCert == "" && o.selfSigned == "":
		return errors.New("serving needs TLS, because STS fetches issuers over https only: give --tls-cert and --tls-key, or --self-signed DIR")
	}
	if o.refresh < 0 {
		return errors.New("--refresh must not be negative")
	}
	if o.addr == "" {
		u, _ := url.Parse(o.issuerURL)
		port := u.Port()
		if port == "" {
			port = "443"
		}
		o.addr = net.JoinHostPort(u.Hostname(), port)
	}
	return nil
}

func (o *oidcPublishOptions) run(ctx context.Context, g *globalOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	logger, err := g.logger()
	if err != nil {
		return err
	}
	restConfig, err := o.restConfig()
	if err != nil {
		return err
	}
	discovery, jwks, err := o.fetch(ctx, restConfig, g.stderr)
	if err != nil {
		return err
	}
	if o.dir != "" {
		return o.writeDir(g.stdout, discovery, jwks)
	}
	return o.serve(ctx, g.stdout, logger, restConfig, discovery, jwks)
}

// restConfig loads the cluster's client configuration: --kubeconfig (and
// --context) if given, else the in-cluster configuration, else clientcmd's
// default loading rules ($KUBECONFIG, ~/.kube/config).
func (o *oidcPublishOptions) restConfig() (*rest.Config, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.kubecontext}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if o.kubeconfig != "" {
		rules.ExplicitPath = o.kubeconfig
	} else if o.kubecontext == "" {
		cfg, err := rest.InClusterConfig()
		if err == nil {
			return withUserAgent(cfg), nil
		}
		if !errors.Is(err, rest.ErrNotInCluster) {
			return nil, fmt.Errorf("in-cluster kubernetes config: %w", err)
		}
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		if o.kubeconfig != "" {
			return nil, fmt.Errorf("load kubeconfig %s: %w", o.kubeconfig, err)
		}
		return nil, fmt.Errorf("no usable kubeconfig (give --kubeconfig, or set $KUBECONFIG): %w", err)
	}
	return withUserAgent(cfg), nil
}

func withUserAgent(cfg *rest.Config) *rest.Config {
	cfg.UserAgent = "trustbridge-oidc-publish/" + Version
	return cfg
}

// fetch reads the documents from the cluster and rewrites the discovery
// document for the issuer URL. It warns on warn when the cluster's own
// issuer differs from the issuer URL: tokens then carry an iss STS will not
// look up under the published URL.
func (o *oidcPublishOptions) fetch(ctx context.Context, restConfig *rest.Config, warn io.Writer) (discovery, jwks []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	clusterDiscovery, jwks, err := oidc.FetchFromCluster(ctx, restConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("read the issuer documents from %s: %w", restConfig.Host, err)
	}
	if iss, err := oidc.ClusterIssuer(clusterDiscovery); err == nil && iss != o.issuerURL && warn != nil {
		fmt.Fprintf(warn, "warning: the cluster's service-account issuer is %s, not %s.\n"+
			"  Its tokens carry iss %s, so STS will not verify them with the keys published here.\n"+
			"  Restart kube-apiserver with --service-account-issuer=%s first in the list\n"+
			"  (keep %s as a second --service-account-issuer while old tokens are in use).\n",
			iss, o.issuerURL, iss, o.issuerURL, iss)
	}
	discovery, err = oidc.Rewrite(clusterDiscovery, o.issuerURL, o.jwksURL)
	if err != nil {
		return nil, nil, err
	}
	return discovery, jwks, nil
}

// jwksURLOrDefault is the jwks_uri the published discovery document names.
func (o *oidcPublishOptions) jwksURLOrDefault() string {
	if o.jwksURL != "" {
		return o.jwksURL
	}
	return o.issuerURL + "/" + oidc.DefaultJWKSObject
}

func (o *oidcPublishOptions) writeDir(w io.Writer, discovery, jwks []byte) error {
	if err := oidc.WriteDir(o.dir, discovery, jwks); err != nil {
		return err
	}
	// WriteDir has checked that jwks_uri lies under the issuer's path.
	iu, _ := url.Parse(o.issuerURL)
	ju, _ := url.Parse(o.jwksURLOrDefault())
	rel := strings.TrimPrefix(path.Clean(ju.Path), strings.TrimSuffix(iu.Path, "/")+"/")
	fmt.Fprintf(w, "published issuer %s to %s:\n  %s\n  %s\n\n", o.issuerURL, o.dir,
		filepath.Join(o.dir, filepath.FromSlash(strings.TrimPrefix(oidc.DiscoveryPath, "/"))),
		filepath.Join(o.dir, filepath.FromSlash(rel)))
	fmt.Fprintf(w, "Serve the directory so that %s%s and %s return these files with\n"+
		"Content-Type application/json (for S3: aws s3 cp --recursive --content-type application/json), then\n"+
		"  aws iam create-open-id-connect-provider --url %s --client-id-list sts.amazonaws.com\n",
		o.issuerURL, oidc.DiscoveryPath, o.jwksURLOrDefault(), o.issuerURL)
	return nil
}

func (o *oidcPublishOptions) serve(ctx context.Context, w io.Writer, logger *slog.Logger, restConfig *rest.Config, discovery, jwks []byte) error {
	h, err := oidc.NewHandler(discovery, jwks)
	if err != nil {
		return err
	}
	cert, caFile, err := o.certificate(time.Now())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if o.refresh > 0 {
		go o.refreshLoop(ctx, logger, restConfig, h, jwks)
	}

	fmt.Fprintf(w, "serving issuer %s on https://%s\n  discovery: %s%s\n  keys:      %s\n",
		o.issuerURL, ln.Addr(), o.issuerURL, oidc.DiscoveryPath, o.jwksURLOrDefault())
	if caFile != "" {
		fmt.Fprintf(w, "  CA:        %s (caFile of the OIDC provider in a trustbridge world file)\n", caFile)
	}
	thumb := thumbprint(cert)
	fmt.Fprintf(w, "  thumbprint: %s\n", thumb)
	fmt.Fprintf(w, "Create the IAM OIDC provider with:\n  aws iam create-open-id-connect-provider --url %s --client-id-list sts.amazonaws.com --thumbprint-list %s\n",
		o.issuerURL, thumb)

	err = srv.ServeTLS(ln, "", "")
	stop()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// refreshLoop re-reads the documents every o.refresh and serves the new
// ones, so keys added to the cluster (rotation) are published. Failures are
// logged and the previous documents stay in place.
func (o *oidcPublishOptions) refreshLoop(ctx context.Context, logger *slog.Logger, restConfig *rest.Config, h *oidc.Handler, current []byte) {
	t := time.NewTicker(o.refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		discovery, jwks, err := o.fetch(ctx, restConfig, nil)
		if err == nil {
			err = h.Update(discovery, jwks)
		}
		if err != nil {
			if ctx.Err() == nil {
				logger.Error("refreshing the issuer documents failed; still serving the previous ones", "issuer", o.issuerURL, "err", err)
			}
			continue
		}
		if !bytes.Equal(jwks, current) {
			logger.Info("published new issuer keys", "issuer", o.issuerURL)
			current = jwks
		}
	}
}

// certificate returns the serving certificate chain: --tls-cert/--tls-key,
// or the self-signed one in --self-signed (with the CA file's path).
func (o *oidcPublishOptions) certificate(now time.Time) (tls.Certificate, string, error) {
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return tls.Certificate{}, "", fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		return cert, "", nil
	}
	hosts := []string{hostOf(o.issuerURL)}
	if jh := hostOf(o.jwksURLOrDefault()); !strings.EqualFold(jh, hosts[0]) {
		hosts = append(hosts, jh)
	}
	return selfSignedCertificate(o.selfSigned, hosts, now)
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// thumbprint is the SHA-1 (lowercase hex) of the top certificate of the
// served chain: what IAM compares with an OIDC provider's thumbprint list.
func thumbprint(cert tls.Certificate) string {
	if len(cert.Certificate) == 0 {
		return ""
	}
	sum := sha1.Sum(cert.Certificate[len(cert.Certificate)-1]) //nolint:gosec // AWS thumbprint definition
	return hex.EncodeToString(sum[:])
}

// selfSignedCertificate returns the chain [leaf, CA] from dir, creating a new
// CA and leaf for hosts when dir holds none, or one that does not cover every
// host, or one that expires within selfSignedRenewBefore. It returns the CA
// certificate's path. The CA's private key is never written: a new leaf
// means a new CA (and a new thumbprint).
func selfSignedCertificate(dir string, hosts []string, now time.Time) (tls.Certificate, string, error) {
	caPath := filepath.Join(dir, selfSignedCAFile)
	certPath := filepath.Join(dir, selfSignedCertFile)
	keyPath := filepath.Join(dir, selfSignedKeyFile)
	if cert, err := loadSelfSigned(caPath, certPath, keyPath, hosts, now); err == nil {
		return cert, caPath, nil
	}
	caPEM, certPEM, keyPEM, err := newSelfSigned(hosts, now)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, "", fmt.Errorf("--self-signed: %w", err)
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{{keyPath, keyPEM, 0o600}, {certPath, certPEM, 0o644}, {caPath, caPEM, 0o644}} {
		if err := writeFileReplace(f.path, f.data, f.mode); err != nil {
			return tls.Certificate{}, "", fmt.Errorf("--self-signed: %w", err)
		}
	}
	cert, err := tls.X509KeyPair(append(certPEM, caPEM...), keyPEM)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("--self-signed: %w", err)
	}
	return cert, caPath, nil
}

// loadSelfSigned loads an earlier run's files and checks they still fit.
func loadSelfSigned(caPath, certPath, keyPath string, hosts []string, now time.Time) (tls.Certificate, error) {
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	cert, err := tls.X509KeyPair(append(certPEM, caPEM...), keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	if len(cert.Certificate) != 2 {
		return tls.Certificate{}, errors.New("want a leaf and a CA")
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return tls.Certificate{}, err
	}
	ca, err := x509.ParseCertificate(cert.Certificate[1])
	if err != nil {
		return tls.Certificate{}, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, h := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: roots, CurrentTime: now.Add(selfSignedRenewBefore)}); err != nil {
			return tls.Certificate{}, err
		}
	}
	return cert, nil
}

// newSelfSigned creates an ECDSA P-256 CA and a serving certificate it
// signs for hosts (IP addresses or DNS names).
func newSelfSigned(hosts []string, now time.Time) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	serial := func() (*big.Int, error) { return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)) }
	caSerial, err := serial()
	if err != nil {
		return nil, nil, nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{CommonName: "trustbridge oidc publish CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, err
	}
	leafSerial, err := serial()
	if err != nil {
		return nil, nil, nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: leafSerial,
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(selfSignedValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
		} else {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return nil, nil, nil, err
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return caPEM, certPEM, keyPEM, nil
}

// writeFileReplace writes data to name through a temporary file in the same
// directory created with mode, then renames it into place, so a reader
// never sees a partial file and a key is never readable by others.
func writeFileReplace(name string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
