package irsa

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

var thumbprintRE = regexp.MustCompile(`thumbprint: ([0-9a-f]{40})`)

// TestOIDCPublish is issue 5's self-managed cluster: the apiserver signs
// tokens for an issuer URL it does not serve itself
// (--service-account-issuer and --service-account-jwks-uri point at a
// loopback port), `trustbridge oidc publish --self-signed` reads the
// documents through the cluster's kubeconfig and serves them there over
// HTTPS, the IAM OIDC provider is created with the AWS CLI and the
// thumbprint publish printed (no CA file: the pin is the trust anchor, as
// with real AWS STS), and the cluster's tokens then get credentials. The
// --dir mode writes the same documents for static hosting.
func TestOIDCPublish(t *testing.T) {
	p := publishedIssuerCluster(t)
	bin := testbed.BuildTrustbridge(t)

	t.Run("dir", func(t *testing.T) {
		dir := t.TempDir()
		out, err := exec.Command(bin, "oidc", "publish", "--issuer-url", p.IssuerURL, "--dir", dir, "--kubeconfig", p.Kubeconfig).CombinedOutput()
		if err != nil {
			t.Fatalf("oidc publish --dir: %v\n%s", err, out)
		}
		var disc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		b, err := os.ReadFile(filepath.Join(dir, ".well-known", "openid-configuration"))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if err := json.Unmarshal(b, &disc); err != nil || disc.Issuer != p.IssuerURL || disc.JWKSURI != p.IssuerURL+"/keys.json" {
			t.Fatalf("discovery = %s (%v), want issuer %s and jwks_uri %s/keys.json", b, err, p.IssuerURL, p.IssuerURL)
		}
		var jwks struct{ Keys []map[string]any }
		b, err = os.ReadFile(filepath.Join(dir, "keys.json"))
		if err != nil || json.Unmarshal(b, &jwks) != nil || len(jwks.Keys) == 0 {
			t.Fatalf("keys.json = %s (%v)", b, err)
		}
	})

	// Serve the issuer on the port its tokens name.
	ln := p.takeListener(t)
	addr := ln.Addr().String()
	ln.Close()
	tlsDir := t.TempDir()
	out := &testbed.SyncBuffer{}
	cmd := exec.Command(bin, "oidc", "publish", "--issuer-url", p.IssuerURL, "--addr", addr,
		"--self-signed", tlsDir, "--kubeconfig", p.Kubeconfig, "--log-format", "text")
	cmd.Env = cleanEnv("HOME=" + t.TempDir())
	cmd.Stdout, cmd.Stderr = out, out
	testbed.LogProcess(t, "oidc-publish", cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("----- oidc publish output -----\n%s", out.String())
		}
	})
	var thumb string
	for deadline := time.Now().Add(time.Minute); thumb == ""; time.Sleep(50 * time.Millisecond) {
		if m := thumbprintRE.FindStringSubmatch(out.String()); m != nil {
			thumb = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("oidc publish printed no thumbprint:\n%s", out.String())
		}
	}
	caPEM, err := os.ReadFile(filepath.Join(tlsDir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(p.IssuerURL + "/.well-known/openid-configuration")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && json.Unmarshal(b, &disc) == nil {
				break
			}
			err = fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the published discovery document: %v", err)
		}
	}
	if disc.Issuer != p.IssuerURL || disc.JWKSURI != p.IssuerURL+"/keys.json" {
		t.Fatalf("served discovery: issuer %s, jwks_uri %s", disc.Issuer, disc.JWKSURI)
	}

	// A trustbridge with only the account and the role; the provider is
	// created through IAM with the thumbprint publish printed.
	key := providerKey(p.IssuerURL)
	world := fmt.Sprintf(`region: us-east-1
accounts:
  - id: "%[1]s"
    root: {accessKeyId: %[2]s, secretAccessKey: %[3]s}
    roles:
      - name: published-issuer
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {Federated: "arn:aws:iam::%[1]s:oidc-provider/%[4]s"}
              Action: sts:AssumeRoleWithWebIdentity
              Condition:
                StringEquals:
                  "%[4]s:sub": system:serviceaccount:default:eks-ec2-list
                  "%[4]s:aud": sts.amazonaws.com
`, accountOne, rootOne.ID, rootOne.Secret, key)
	tb := startTrustbridge(t, []byte(world))
	admin := clientEnv(t, tb.URL, "AWS_ACCESS_KEY_ID="+rootOne.ID, "AWS_SECRET_ACCESS_KEY="+rootOne.Secret)
	var created struct{ OpenIDConnectProviderArn string }
	mustAWSCLI(t, admin, &created, "iam", "create-open-id-connect-provider", "--url", p.IssuerURL,
		"--client-id-list", stsAudience, "--thumbprint-list", thumb)
	if want := providerARN(accountOne, p.IssuerURL); created.OpenIDConnectProviderArn != want {
		t.Fatalf("provider ARN %s, want %s", created.OpenIDConnectProviderArn, want)
	}

	token := createToken(t, p.Cluster, "default", "eks-ec2-list", stsAudience, 0)
	if iss := decodeClaims(t, token).Iss; iss != p.IssuerURL {
		t.Fatalf("token iss %s, want the published issuer %s", iss, p.IssuerURL)
	}
	env := clientEnv(t, tb.URL, webIdentity{RoleARN: roleARN(accountOne, "published-issuer"), TokenFile: writeToken(t, token), SessionName: "published"}.env()...)
	var id callerIdentity
	mustAWSCLI(t, env, &id, "sts", "get-caller-identity")
	if want := assumedRoleARN(accountOne, "published-issuer", "published"); id.Arn != want {
		t.Fatalf("Arn = %s, want %s", id.Arn, want)
	}

}
