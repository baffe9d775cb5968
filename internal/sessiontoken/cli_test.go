package sessiontoken

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/awsid"
	"github.com/trustbridge/trustbridge/internal/sigv4"
)

// TestAWSCLIAcceptsTokens gives a sealed token to the real AWS CLI through
// AWS_SESSION_TOKEN and through the shared credentials file, and checks
// end to end what a trustbridge server does with the request: the token
// arrives unchanged, opens, belongs to the signing key ID, and its secret
// verifies the signature.
func TestAWSCLIAcceptsTokens(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	ring := newRing(t)
	s := fullSession()
	s.AccessKeyID = awsid.NewAccessKeyID(awsid.PrefixTemporaryAccessKey, "123456789012")
	s.SecretAccessKey = awsid.NewSecretAccessKey()
	s.IssuedAt = time.Now().UTC().Truncate(time.Second)
	s.Expiration = s.IssuedAt.Add(time.Hour)
	tok, err := Seal(ring, s)
	if err != nil {
		t.Fatal(err)
	}

	type got struct {
		req  *http.Request
		body []byte
		at   time.Time
	}
	var mu sync.Mutex
	var reqs []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Clone(context.Background()), body, time.Now()})
		mu.Unlock()
		w.WriteHeader(400)
		io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Captured</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
	}))
	defer srv.Close()

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	credFile := filepath.Join(dir, "credentials")
	os.WriteFile(credFile, []byte("[default]\naws_access_key_id = "+s.AccessKeyID+"\naws_secret_access_key = "+s.SecretAccessKey+"\naws_session_token = "+tok+"\n"), 0o600)
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=" + empty,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER="}
	envs := [][]string{
		append(append([]string{}, base...), "AWS_SHARED_CREDENTIALS_FILE="+empty, "AWS_ACCESS_KEY_ID="+s.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+s.SecretAccessKey, "AWS_SESSION_TOKEN="+tok),
		append(append([]string{}, base...), "AWS_SHARED_CREDENTIALS_FILE="+credFile),
	}
	var wg sync.WaitGroup
	for _, env := range envs {
		wg.Go(func() {
			cmd := exec.Command("aws", "sts", "get-caller-identity", "--endpoint-url", srv.URL)
			cmd.Env = env
			_ = cmd.Run()
		})
	}
	wg.Wait()
	if len(reqs) != 2 {
		t.Fatalf("captured %d requests", len(reqs))
	}
	v := sigv4.NewVerifier()
	for _, g := range reqs {
		a, err := sigv4.Parse(g.req)
		if err != nil {
			t.Fatal(err)
		}
		if a.SecurityToken != tok {
			t.Fatalf("token changed on the way:\n sent %s\n got  %s", tok, a.SecurityToken)
		}
		if err := v.Check(a, "sts", g.at); err != nil {
			t.Fatal(err)
		}
		sess, err := Verify(ring, a.SecurityToken, a.AccessKeyID, g.at)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(g.req, a, sess.SecretAccessKey, sigv4.PayloadHash(g.body)); err != nil {
			t.Fatal(err)
		}
	}
}
