package irsa

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// Accounts of seed 003: the cluster's account and the remote account.
const (
	accountOne = "123456789012"
	accountTwo = "012345678901"
	// stsAudience is the audience IRSA tokens are issued for.
	stsAudience = "sts.amazonaws.com"
	// podIdentityAudience is Pod Identity's audience, which STS must refuse.
	podIdentityAudience = "pods.eks.amazonaws.com"
)

// The root keys of the two accounts: the well-known demo values of
// trustbridge's built-in world (they encode the account in the key ID).
// They sign `trustbridge explain` requests.
var (
	rootOne = awsKey{ID: "AKIABZPUZDIKL4ESABC6", Secret: "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"}
	rootTwo = awsKey{ID: "AKIAAFX64DQ2U4BPQ33A", Secret: "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"}
)

type awsKey struct{ ID, Secret string }

// The shared fixtures start on first use and stop in TestMain: one cluster
// start costs seconds and a trustbridge start a fraction of that, so tests
// share them and keep their objects apart by namespace and session name.
var (
	mainOnce    sync.Once
	mainFixture *irsaCluster
	mainErr     error

	impostorOnce    sync.Once
	impostorFixture *testbed.Cluster
	impostorErr     error

	publishedOnce    sync.Once
	publishedFixture *publishedCluster
	publishedErr     error

	serverOnce    sync.Once
	serverFixture *trustbridge
	serverErr     error

	// started and dirs collect every cluster and scratch directory for
	// TestMain's teardown; guarded by startedMu.
	startedMu sync.Mutex
	started   []*testbed.Cluster
	dirs      []string
)

// keepDir registers a scratch directory for removal after all tests.
func keepDir(dir string) {
	startedMu.Lock()
	dirs = append(dirs, dir)
	startedMu.Unlock()
}

// An irsaCluster is the cluster the IRSA tests run against: a testbed
// cluster whose service-account signing key the test generated, so that a
// token the cluster issued can be re-signed with a past expiry (the
// TokenRequest API refuses lifetimes under ten minutes).
type irsaCluster struct {
	*testbed.Cluster
	signingKey *rsa.PrivateKey
}

// A publishedCluster's apiserver signs tokens for an issuer URL that
// `trustbridge oidc publish` serves (not the apiserver's own URL).
type publishedCluster struct {
	*testbed.Cluster
	// IssuerURL is https://127.0.0.1:PORT/clusters/published.
	IssuerURL string
	// listener holds PORT until a test serves the issuer on it.
	listener net.Listener
}

func TestMain(m *testing.M) {
	code := m.Run()
	startedMu.Lock()
	defer startedMu.Unlock()
	if serverFixture != nil {
		serverFixture.stop()
		if code != 0 {
			fmt.Fprintln(os.Stderr, "----- shared trustbridge log (tail) -----\n"+serverFixture.logTail())
		}
	}
	if publishedFixture != nil && publishedFixture.listener != nil {
		publishedFixture.listener.Close()
	}
	for _, c := range started {
		if code != 0 {
			fmt.Fprintln(os.Stderr, c.DiagnosticLogs())
		}
		if err := c.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stop test cluster:", err)
		}
	}
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func startCluster(opts testbed.Options) (*testbed.Cluster, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := testbed.StartCluster(ctx, opts)
	if err != nil {
		return nil, err
	}
	startedMu.Lock()
	started = append(started, c)
	startedMu.Unlock()
	return c, nil
}

// mainCluster returns the shared cluster whose issuer (its own URL) the
// shared trustbridge has an IAM OIDC provider for.
func mainCluster(t testing.TB) *irsaCluster {
	t.Helper()
	mainOnce.Do(func() {
		dir, err := os.MkdirTemp("", "irsa-sa-key-")
		if err != nil {
			mainErr = err
			return
		}
		keepDir(dir)
		key, flags, err := writeSigningKey(dir)
		if err != nil {
			mainErr = err
			return
		}
		c, err := startCluster(testbed.Options{ExtraAPIServerFlags: flags})
		if err != nil {
			mainErr = err
			return
		}
		mainFixture = &irsaCluster{Cluster: c, signingKey: key}
	})
	if mainErr != nil {
		t.Fatalf("start the main cluster: %v", mainErr)
	}
	return mainFixture
}

// impostorCluster returns a second cluster configured with the main
// cluster's issuer URL but its own signing key: its tokens claim the main
// cluster's iss and carry a signature no published key verifies. This is
// what a copied --service-account-issuer flag produces.
func impostorCluster(t testing.TB) *testbed.Cluster {
	t.Helper()
	issuer := mainCluster(t).IssuerURL
	impostorOnce.Do(func() {
		impostorFixture, impostorErr = startCluster(testbed.Options{ExtraAPIServerFlags: []string{
			"--service-account-issuer=" + issuer,
			"--service-account-jwks-uri=" + issuer + "/openid/v1/jwks",
		}})
	})
	if impostorErr != nil {
		t.Fatalf("start the impostor cluster: %v", impostorErr)
	}
	return impostorFixture
}

// publishedIssuerCluster returns a cluster started with
// --service-account-issuer (and --service-account-jwks-uri) pointing at a
// loopback port the test holds, where `trustbridge oidc publish` or a static
// file server publishes its documents. No IAM OIDC provider of the shared
// trustbridge names that issuer.
func publishedIssuerCluster(t testing.TB) *publishedCluster {
	t.Helper()
	publishedOnce.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			publishedErr = err
			return
		}
		issuer := "https://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/clusters/published"
		c, err := startCluster(testbed.Options{ExtraAPIServerFlags: []string{
			"--service-account-issuer=" + issuer,
			"--service-account-jwks-uri=" + issuer + "/keys.json",
		}})
		if err != nil {
			ln.Close()
			publishedErr = err
			return
		}
		publishedFixture = &publishedCluster{Cluster: c, IssuerURL: issuer, listener: ln}
	})
	if publishedErr != nil {
		t.Fatalf("start the published-issuer cluster: %v", publishedErr)
	}
	return publishedFixture
}

// takeListener hands the held issuer port to the caller (once).
func (p *publishedCluster) takeListener(t testing.TB) net.Listener {
	t.Helper()
	startedMu.Lock()
	defer startedMu.Unlock()
	ln := p.listener
	p.listener = nil
	if ln == nil {
		t.Fatal("the published issuer's port was already taken")
	}
	return ln
}

// sharedServer returns the shared trustbridge, serving the world of
// sharedWorld for the main cluster.
func sharedServer(t testing.TB) *trustbridge {
	t.Helper()
	c := mainCluster(t)
	bin := testbed.BuildTrustbridge(t)
	serverOnce.Do(func() {
		dir, err := os.MkdirTemp("", "irsa-trustbridge-")
		if err != nil {
			serverErr = err
			return
		}
		w := sharedWorld(c.IssuerURL, c.CAFile)
		keepDir(dir)
		serverFixture, serverErr = startTrustbridgeIn(dir, bin, w)
	})
	if serverErr != nil {
		t.Fatalf("start the shared trustbridge: %v", serverErr)
	}
	return serverFixture
}

// writeSigningKey writes a fresh RSA-2048 service-account key pair into
// dir and returns the kube-apiserver flags that use it.
func writeSigningKey(dir string) (*rsa.PrivateKey, []string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	keyFile := filepath.Join(dir, "sa.key")
	pubFile := filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		return nil, nil, err
	}
	return key, []string{
		"--service-account-signing-key-file=" + keyFile,
		"--service-account-key-file=" + pubFile,
	}, nil
}
