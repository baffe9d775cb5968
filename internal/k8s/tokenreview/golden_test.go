package tokenreview

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// TestReplyGolden pins the exact TokenReview replies the apiserver gets,
// for a success (UserOne through mapUsers, and a role session with a path)
// and a denial. Refresh with go test -run TestReplyGolden -update.
func TestReplyGolden(t *testing.T) {
	session := userOneOpts()
	session.akid, session.secret, session.sessionToken = sessionKey, sessionSecret, sessionToken
	other := userOneOpts()
	other.cluster = "other-cluster"
	for name, o := range map[string]presignOpts{"userone": userOneOpts(), "role-session": session, "denied-other-cluster": other} {
		t.Run(name, func(t *testing.T) {
			in, _ := json.Marshal(authnv1.TokenReview{
				TypeMeta: metav1.TypeMeta{APIVersion: APIVersionV1, Kind: "TokenReview"},
				Spec:     authnv1.TokenReviewSpec{Token: tokenFromURL(presignURL(o))},
			})
			rec := post(testHandler(t), string(in))
			var buf bytes.Buffer
			if err := json.Indent(&buf, rec.Body.Bytes(), "", "  "); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("reply differs from %s:\n%s", path, buf.Bytes())
			}
		})
	}
}
