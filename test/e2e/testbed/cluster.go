package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/embed"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/component-base/featuregate"
	utilversion "k8s.io/component-base/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"

	"github.com/trustbridge/trustbridge/test/e2e/testbed/internal/argv"
)

const (
	// readyTimeout bounds how long Start waits for /readyz after the
	// server began serving; on a loaded 2-core machine it takes seconds.
	readyTimeout = 2 * time.Minute
	// stopTimeout bounds how long Close waits for the apiserver to return.
	stopTimeout = time.Minute

	// IssuerDiscoveryBinding is the ClusterRoleBinding Start creates so that
	// anonymous clients may read the OIDC discovery document and JWKS, as a
	// relying party such as AWS STS does.
	IssuerDiscoveryBinding = "testbed:service-account-issuer-discovery"
)

// Options configure a Cluster. The zero value is a usable cluster with
// anonymous authentication on and --authorization-mode=Node,RBAC.
type Options struct {
	// ExtraAPIServerFlags are additional kube-apiserver flags, each in the
	// form "--name=value" (or "--name" for a boolean). A flag named here
	// replaces Start's own default for that flag instead of being appended
	// to it; for example "--authorization-mode=RBAC,Webhook" replaces the
	// default "Node,RBAC". Flags Start always sets: --etcd-servers,
	// --secure-port, --bind-address, --advertise-address, --tls-cert-file,
	// --tls-private-key-file, --client-ca-file and the
	// --service-account-* key and issuer flags; overriding those breaks
	// the Cluster's fields.
	ExtraAPIServerFlags []string

	// AuthenticationWebhook, if set, is wired as the apiserver's webhook
	// token authenticator (--authentication-token-webhook-config-file,
	// version v1, cache TTL 0 so every request reaches the webhook).
	AuthenticationWebhook *Webhook

	// AuthorizationWebhook, if set, is wired as the apiserver's webhook
	// authorizer (--authorization-webhook-config-file, version v1, both
	// cache TTLs 0) and --authorization-mode defaults to
	// Node,RBAC,Webhook.
	AuthorizationWebhook *Webhook

	// Verbosity is klog's -v level for the apiserver's logs. klog is
	// process-global, so the last started cluster's value applies to all.
	Verbosity int
}

// A Webhook is an HTTPS endpoint the apiserver calls with TokenReview or
// SubjectAccessReview requests.
type Webhook struct {
	// URL is the full endpoint URL, path included, e.g.
	// "https://127.0.0.1:8443/authenticate". The server need not be
	// running yet when the cluster starts; only requests need it.
	URL string
	// CAPEM is the PEM-encoded CA bundle that verifies the webhook's
	// serving certificate.
	CAPEM []byte
}

// A Cluster is a running embedded etcd and in-process kube-apiserver.
// Its exported fields are set by Start and must not be changed. Methods are
// safe for concurrent use.
type Cluster struct {
	// URL is the apiserver's base URL, "https://127.0.0.1:PORT".
	URL string
	// IssuerURL is the service-account token issuer. It equals URL, so
	// the discovery document (IssuerURL + "/.well-known/openid-configuration")
	// and JWKS (IssuerURL + "/openid/v1/jwks") are served by the apiserver
	// itself, anonymously.
	IssuerURL string
	// CAFile is the path of the PEM CA certificate that verifies the
	// apiserver's serving certificate; CAPEM is its content.
	CAFile string
	CAPEM  []byte
	// Kubeconfig is the path of an admin kubeconfig (client certificate in
	// group system:masters) usable by kubectl and client-go.
	Kubeconfig string
	// AnonymousKubeconfig is the path of a kubeconfig with the cluster and
	// its CA but no user credentials: use it with "kubectl --token=..." so
	// that only the token authenticates the request.
	AnonymousKubeconfig string
	// RESTConfig is an admin client configuration; copy it before
	// changing it (rest.CopyConfig).
	RESTConfig *rest.Config
	// Client is an admin clientset built from RESTConfig.
	Client kubernetes.Interface
	// ClientCA signs client certificates the apiserver accepts: issue one
	// with ClientCA.ClientCert(user, groups...) and write a kubeconfig for
	// it with WriteKubeconfig.
	ClientCA *CA
	// Dir is the cluster's scratch directory; Close removes it.
	Dir string

	stop     context.CancelFunc
	served   chan error // receives the apiserver's Run result, then closed
	etcd     *embed.Etcd
	listener net.Listener
	logs     *logBuffer
	etcdLog  string

	closeOnce sync.Once
	closeErr  error
}

// startMu serializes starts: the apiserver's option completion and feature
// gates touch process-global state.
var startMu sync.Mutex

// Start starts a cluster for the test and registers its teardown with
// t.Cleanup. If the test has failed by then, the teardown first logs the
// tail of the apiserver's and etcd's logs; a passing test prints nothing.
// Start calls t.Fatal if the cluster cannot start.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := StartCluster(context.Background(), opts)
	if err != nil {
		t.Fatalf("start test cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(c.DiagnosticLogs())
		}
		if err := c.Close(); err != nil {
			t.Errorf("stop test cluster: %v", err)
		}
	})
	return c
}

// StartCluster starts a cluster without a testing.TB, for TestMain or for
// sharing one cluster between tests. The caller must call Close. ctx bounds
// only the start; cancelling it later does not stop the cluster. On error
// the returned error includes the tail of the apiserver's log and nothing is
// left running.
func StartCluster(ctx context.Context, opts Options) (c *Cluster, err error) {
	startMu.Lock()
	defer startMu.Unlock()
	setupLogging()
	setVerbosity(opts.Verbosity)

	dir, err := os.MkdirTemp("", "testbed-")
	if err != nil {
		return nil, fmt.Errorf("create scratch directory: %w", err)
	}
	c = &Cluster{Dir: dir, logs: sink.subscribe(), etcdLog: filepath.Join(dir, "etcd.log")}
	defer func() {
		if err != nil {
			diag := c.DiagnosticLogs()
			if cerr := c.Close(); cerr != nil {
				err = fmt.Errorf("%w (and cleanup: %v)", err, cerr)
			}
			err = fmt.Errorf("%w\n%s", err, diag)
			c = nil
		}
	}()

	files, err := c.writePKI()
	if err != nil {
		return c, err
	}

	var etcdURL string
	c.etcd, etcdURL, err = startEtcd(dir, c.etcdLog)
	if err != nil {
		return c, err
	}

	c.listener, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return c, fmt.Errorf("listen for the apiserver: %w", err)
	}
	port := c.listener.Addr().(*net.TCPAddr).Port
	c.URL = "https://127.0.0.1:" + strconv.Itoa(port)
	c.IssuerURL = c.URL

	webhookFlags, err := c.webhookFlags(opts)
	if err != nil {
		return c, err
	}
	defaults := []argv.Default{
		{Name: "etcd-servers", Value: etcdURL},
		{Name: "secure-port", Value: strconv.Itoa(port)},
		{Name: "bind-address", Value: "127.0.0.1"},
		{Name: "advertise-address", Value: "127.0.0.1"},
		{Name: "tls-cert-file", Value: files.servingCert},
		{Name: "tls-private-key-file", Value: files.servingKey},
		{Name: "client-ca-file", Value: files.clientCA},
		{Name: "service-account-issuer", Value: c.IssuerURL},
		{Name: "service-account-jwks-uri", Value: c.IssuerURL + "/openid/v1/jwks"},
		{Name: "service-account-key-file", Value: files.saPub},
		{Name: "service-account-signing-key-file", Value: files.saKey},
		{Name: "service-cluster-ip-range", Value: "10.0.0.0/24"},
		// The lease reconciler would try to publish 127.0.0.1 as the
		// "kubernetes" Service endpoint, which validation rejects, and log
		// an error on every sync. Nothing in-cluster runs to use it.
		{Name: "endpoint-reconciler-type", Value: "none"},
		{Name: "anonymous-auth", Value: "true"},
		{Name: "authorization-mode", Value: "Node,RBAC"},
		{Name: "profiling", Value: "false"},
	}
	if opts.AuthorizationWebhook != nil || argv.HasFlag(opts.ExtraAPIServerFlags, "authorization-webhook-config-file") {
		argv.SetDefault(defaults, "authorization-mode", "Node,RBAC,Webhook")
	}
	args := argv.Merge(defaults, append(webhookFlags, opts.ExtraAPIServerFlags...))

	runCtx, stop := context.WithCancel(context.Background())
	c.stop = stop
	if err := c.runAPIServer(runCtx, args); err != nil {
		return c, err
	}

	c.RESTConfig = &rest.Config{
		Host: c.URL,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   c.CAPEM,
			CertData: files.adminCertPEM,
			KeyData:  files.adminKeyPEM,
		},
		QPS:   1000,
		Burst: 2000,
	}
	if c.Client, err = kubernetes.NewForConfig(c.RESTConfig); err != nil {
		return c, fmt.Errorf("build admin client: %w", err)
	}
	if err := c.waitReady(ctx); err != nil {
		return c, err
	}
	if err := c.allowIssuerDiscovery(ctx); err != nil {
		return c, err
	}

	c.Kubeconfig = filepath.Join(dir, "admin.kubeconfig")
	if err := c.WriteKubeconfig(c.Kubeconfig, clientcmdapi.AuthInfo{
		ClientCertificateData: files.adminCertPEM,
		ClientKeyData:         files.adminKeyPEM,
	}); err != nil {
		return c, err
	}
	c.AnonymousKubeconfig = filepath.Join(dir, "anonymous.kubeconfig")
	if err := c.WriteKubeconfig(c.AnonymousKubeconfig, clientcmdapi.AuthInfo{}); err != nil {
		return c, err
	}
	return c, nil
}

// runAPIServer completes the options from args the way kube-apiserver's
// own command does and starts serving in the background.
func (c *Cluster) runAPIServer(ctx context.Context, args []string) error {
	// Register once per process, exactly as the kube-apiserver command
	// does; later starts reuse the registered component globals.
	featuregate.DefaultComponentGlobalsRegistry.ComponentGlobalsOrRegister(
		featuregate.DefaultKubeComponent, utilversion.DefaultBuildEffectiveVersion(), utilfeature.DefaultMutableFeatureGate)

	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // the parse error is returned; skip the usage dump
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse kube-apiserver flags: %w", err)
	}
	if err := featuregate.DefaultComponentGlobalsRegistry.Set(); err != nil {
		return fmt.Errorf("apply feature gates: %w", err)
	}
	// Serve on the listener whose port is already in the issuer URL.
	s.SecureServing.Listener = c.listener
	s.SecureServing.ExternalAddress = net.ParseIP("127.0.0.1")

	completed, err := s.Complete(ctx)
	if err != nil {
		return fmt.Errorf("complete kube-apiserver options: %w", err)
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return fmt.Errorf("invalid kube-apiserver options: %w", errors.Join(errs...))
	}
	config, err := app.NewConfig(completed)
	if err != nil {
		return fmt.Errorf("configure kube-apiserver: %w", err)
	}
	cc, err := config.Complete()
	if err != nil {
		return fmt.Errorf("complete kube-apiserver configuration: %w", err)
	}
	server, err := app.CreateServerChain(cc)
	if err != nil {
		return fmt.Errorf("create kube-apiserver server chain: %w", err)
	}
	prepared, err := server.PrepareRun()
	if err != nil {
		return fmt.Errorf("prepare kube-apiserver: %w", err)
	}
	c.served = make(chan error, 1)
	go func() {
		defer close(c.served)
		c.served <- prepared.Run(ctx)
	}()
	return nil
}

// waitReady polls /readyz (which covers RBAC bootstrap and the other
// post-start hooks) and then waits for the "default" namespace.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		select {
		case err := <-c.served:
			return fmt.Errorf("kube-apiserver stopped while starting: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready: %w (last: %s)", ctx.Err(), last)
		case <-tick.C:
		}
		var status int
		res := c.Client.CoreV1().RESTClient().Get().AbsPath("/readyz").Do(ctx).StatusCode(&status)
		if status != http.StatusOK {
			body, _ := res.Raw()
			last = fmt.Sprintf("/readyz status %d: %s", status, strings.TrimSpace(string(body)))
			continue
		}
		if _, err := c.Client.CoreV1().Namespaces().Get(ctx, metav1.NamespaceDefault, metav1.GetOptions{}); err != nil {
			last = "namespace default: " + err.Error()
			continue
		}
		return nil
	}
}

// allowIssuerDiscovery binds the built-in ClusterRole
// system:service-account-issuer-discovery to system:unauthenticated so
// relying parties can fetch discovery and JWKS without credentials.
func (c *Cluster) allowIssuerDiscovery(ctx context.Context) error {
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: IssuerDiscoveryBinding},
		RoleRef: rbacv1.RoleRef{
			APIGroup: rbacv1.GroupName,
			Kind:     "ClusterRole",
			Name:     "system:service-account-issuer-discovery",
		},
		Subjects: []rbacv1.Subject{{
			APIGroup: rbacv1.GroupName,
			Kind:     rbacv1.GroupKind,
			Name:     "system:unauthenticated",
		}},
	}
	_, err := c.Client.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("bind issuer discovery role: %w", err)
	}
	return nil
}

// Close stops the apiserver and etcd, waits for both to release their
// listeners and removes Dir. It is idempotent; later calls return the first
// call's result.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		if c.stop != nil {
			c.stop()
		}
		if c.served != nil {
			select {
			case err := <-c.served:
				if err != nil {
					errs = append(errs, fmt.Errorf("kube-apiserver: %w", err))
				}
			case <-time.After(stopTimeout):
				errs = append(errs, errors.New("kube-apiserver did not stop within "+stopTimeout.String()))
			}
		} else if c.listener != nil {
			// Never handed to a server.
			c.listener.Close()
		}
		if c.etcd != nil {
			c.etcd.Close()
		}
		if c.logs != nil {
			sink.unsubscribe(c.logs)
		}
		if err := os.RemoveAll(c.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove scratch directory: %w", err))
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// Logs returns the apiserver log output written while the cluster ran
// (klog is process-global: with several clusters alive at once, each log
// holds all of their output).
func (c *Cluster) Logs() string {
	return c.logs.String()
}

// DiagnosticLogs returns the tail of the apiserver's and etcd's logs,
// formatted for a failed test's output. It must be called before Close,
// which removes the etcd log.
func (c *Cluster) DiagnosticLogs() string {
	var b strings.Builder
	b.WriteString("----- kube-apiserver log (tail) -----\n")
	b.WriteString(tailLines(c.Logs(), failureLogLines))
	b.WriteString("\n----- etcd log (warnings and errors, tail) -----\n")
	b.WriteString(readTail(c.etcdLog, 50))
	b.WriteString("\n----- end of test cluster logs -----")
	return b.String()
}

// pkiFiles are the paths and in-memory credentials writePKI produced.
type pkiFiles struct {
	servingCert, servingKey, clientCA, saKey, saPub string
	adminCertPEM, adminKeyPEM                       []byte
}

// writePKI creates the serving CA and certificate, the client CA and the
// admin client certificate, and the service-account key pair, writing the
// files the apiserver reads into c.Dir/pki.
func (c *Cluster) writePKI() (pkiFiles, error) {
	var f pkiFiles
	pki := filepath.Join(c.Dir, "pki")
	if err := os.Mkdir(pki, 0o700); err != nil {
		return f, fmt.Errorf("create pki directory: %w", err)
	}
	servingCA, err := NewCA("testbed-serving-ca")
	if err != nil {
		return f, err
	}
	c.CAPEM = servingCA.CertPEM
	c.CAFile = filepath.Join(pki, "ca.crt")
	if f.servingCert, f.servingKey, err = servingCA.WriteServingCert(pki, "apiserver",
		"127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"); err != nil {
		return f, err
	}
	if c.ClientCA, err = NewCA("testbed-client-ca"); err != nil {
		return f, err
	}
	f.clientCA = filepath.Join(pki, "client-ca.crt")
	if f.adminCertPEM, f.adminKeyPEM, err = c.ClientCA.ClientCert("testbed-admin", "system:masters"); err != nil {
		return f, err
	}
	saKey, saPub, err := newServiceAccountKey()
	if err != nil {
		return f, err
	}
	f.saKey = filepath.Join(pki, "sa.key")
	f.saPub = filepath.Join(pki, "sa.pub")
	for _, w := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{c.CAFile, c.CAPEM, 0o644},
		{f.clientCA, c.ClientCA.CertPEM, 0o644},
		{f.saKey, saKey, 0o600},
		{f.saPub, saPub, 0o644},
	} {
		if err := os.WriteFile(w.path, w.data, w.mode); err != nil {
			return f, fmt.Errorf("write %s: %w", filepath.Base(w.path), err)
		}
	}
	return f, nil
}

// webhookFlags writes the webhook kubeconfig files Options asks for and
// returns the flags that wire them.
func (c *Cluster) webhookFlags(opts Options) ([]string, error) {
	var flags []string
	if w := opts.AuthenticationWebhook; w != nil {
		path := filepath.Join(c.Dir, "authn-webhook.kubeconfig")
		if err := WebhookKubeconfig(path, w.URL, w.CAPEM); err != nil {
			return nil, err
		}
		flags = append(flags,
			"--authentication-token-webhook-config-file="+path,
			"--authentication-token-webhook-version=v1",
			"--authentication-token-webhook-cache-ttl=0s")
	}
	if w := opts.AuthorizationWebhook; w != nil {
		path := filepath.Join(c.Dir, "authz-webhook.kubeconfig")
		if err := WebhookKubeconfig(path, w.URL, w.CAPEM); err != nil {
			return nil, err
		}
		flags = append(flags,
			"--authorization-webhook-config-file="+path,
			"--authorization-webhook-version=v1",
			"--authorization-webhook-cache-authorized-ttl=0s",
			"--authorization-webhook-cache-unauthorized-ttl=0s")
	}
	return flags, nil
}
