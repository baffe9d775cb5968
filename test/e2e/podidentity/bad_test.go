package podidentity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/test/e2e/testbed"
)

// writeSigningKey writes a fresh RSA-2048 service-account key pair into
// dir, keeps the private key in signingKey and returns the kube-apiserver
// flags that use it.
func writeSigningKey(dir string) ([]string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	keyFile, pubFile := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644); err != nil {
		return nil, err
	}
	signingKey = key
	return []string{"--service-account-signing-key-file=" + keyFile, "--service-account-key-file=" + pubFile}, nil
}

// getCreds asks the agent at url for credentials with token as the raw
// Authorization header.
func getCreds(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// TestExpiredToken: a pod token the cluster issued, re-signed with the
// cluster's key an hour past its expiry, is refused by EKS Auth and the
// agent says so with a 4xx; the same token re-signed with a future expiry
// (the control) works, so exp alone makes the difference. The AWS CLI
// reading the expired token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// gets no credentials.
func TestExpiredToken(t *testing.T) {
	associate(t, "expiry", "app")
	token := podToken(t, "expiry", "app", audience)

	fresh := testbed.ResignToken(t, signingKey, token, testbed.ExpiresAt(time.Now().Add(30*time.Minute)))
	if code, body := getCreds(t, agentURL, fresh); code != 200 || !strings.Contains(body, `"AccessKeyId"`) {
		t.Fatalf("control (re-signed, not expired): %d %.300s", code, body)
	}

	expired := testbed.ResignToken(t, signingKey, token, testbed.ExpiresAt(time.Now().Add(-time.Hour)))
	code, body := getCreds(t, agentURL, expired)
	if code < 400 || code >= 500 || !strings.Contains(body, "expired") || strings.Contains(body, "AccessKeyId") {
		t.Fatalf("expired token: %d %q, want a 4xx saying the token expired", code, body)
	}

	env := podEnv(t, "expiry", "app", audience)
	for i, kv := range env {
		if strings.HasPrefix(kv, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=") {
			file := filepath.Join(t.TempDir(), "expired-token")
			if err := os.WriteFile(file, []byte(expired), 0o600); err != nil {
				t.Fatal(err)
			}
			env[i] = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + file
		}
	}
	if out, err := runCmd(env, "aws", "sts", "get-caller-identity"); err == nil {
		t.Fatalf("the AWS CLI got credentials with an expired token:\n%s", out)
	}
}

// TestEKSAuthUnreachable: an agent whose EKS Auth endpoint goes away keeps
// serving the credentials it cached, answers 5xx for a token it has not
// seen, and never hands out credentials it does not have. (That cached
// credentials turn into a 5xx once they expire is covered with a fake
// clock in internal/agent's TestUpstreamDown: the real ones last an hour.)
func TestEKSAuthUnreachable(t *testing.T) {
	dir := t.TempDir()
	wpath := filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(wpath, []byte(world()), 0o600); err != nil {
		t.Fatal(err)
	}
	edge2, err := start(bin, nil, "serve", "--addr", "127.0.0.1:0", "--data-dir", ":memory:", "--world", wpath, "--log-format", "text")
	if err == nil {
		defer edge2.stop()
		err = edge2.waitFor(regexp.MustCompile(`trustbridge listening on (http://127\.0\.0\.1:[0-9]+)`))
	}
	if err != nil {
		t.Fatalf("start a second trustbridge: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", testbed.FreePort())
	url := "http://" + addr + "/v1/credentials"
	agent2, err := start(bin, []string{"AWS_ACCESS_KEY_ID=" + node.ID, "AWS_SECRET_ACCESS_KEY=" + node.Secret, "AWS_REGION=" + region},
		"agent", "--cluster", cluster, "--endpoint", edge2.url, "--addr", addr, "--log-format", "text")
	if err == nil {
		defer agent2.stop()
		err = waitListening(addr)
	}
	if err != nil {
		t.Fatalf("start a second agent: %v", err)
	}
	env := rootEnv(t)
	for i, kv := range env {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
			env[i] = "AWS_ENDPOINT_URL=" + edge2.url
		}
	}
	mustRun(t, env, "aws", "eks", "create-pod-identity-association", "--cluster-name", cluster,
		"--namespace", "outage", "--service-account", "app", "--role-arn", "arn:aws:iam::"+account+":role/"+role)

	cached := podToken(t, "outage", "app", audience)
	code, body := getCreds(t, url, cached)
	if code != 200 {
		t.Fatalf("before the outage: %d %.300s", code, body)
	}
	var first struct{ AccessKeyId string }
	if err := json.Unmarshal([]byte(body), &first); err != nil || first.AccessKeyId == "" {
		t.Fatalf("before the outage: %v %.300s", err, body)
	}

	edge2.stop()

	code, body = getCreds(t, url, cached)
	var again struct{ AccessKeyId string }
	if code != 200 || json.Unmarshal([]byte(body), &again) != nil || again.AccessKeyId != first.AccessKeyId {
		t.Fatalf("cached token during the outage: %d %.300s, want the cached credentials", code, body)
	}
	unseen := podToken(t, "outage", "app", audience)
	code, body = getCreds(t, url, unseen)
	if code < 500 || strings.Contains(body, "AccessKeyId") || strings.TrimSpace(body) == "" {
		t.Fatalf("new token during the outage: %d %q, want a 5xx with a reason", code, body)
	}
	t.Logf("agent during the outage: %d %s", code, strings.TrimSpace(body))
}
