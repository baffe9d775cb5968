package kubeserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	dto "github.com/prometheus/client_model/go"

	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/kubeserver"
)

// presign makes a k8s-aws-v1 token as `aws eks get-token` does.
func presign(t *testing.T, id, secret, cluster string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", nil)
	req.Header.Set("x-k8s-aws-id", cluster)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-west-2", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u))
}

func post(t *testing.T, h http.Handler, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var v map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &v)
	return w.Code, v
}

// TestServerWithoutKubernetesAPI assembles the webhook server on the demo
// world (seed 003's cluster, its aws-auth data and UserThree's access
// entry) with no Kubernetes API: /authenticate maps through the world's
// aws-auth, /authorize enforces the access entry's view policy, /mutate
// admits pods unchanged, and every review is counted in the metrics.
func TestServerWithoutKubernetesAPI(t *testing.T) {
	s := apptest.Start(t, apptest.Options{})
	ks, err := kubeserver.New(context.Background(), s.App, kubeserver.Config{
		Addr: "127.0.0.1:0", SelfSignedDir: t.TempDir(), Cluster: "us-west-2/aws-eks-auth-test", NoKubernetesAPI: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ks.Cluster().Name != "aws-eks-auth-test" || ks.HasKubernetesAPI() || ks.AWSAuthSource() != kubeserver.AWSAuthWorld {
		t.Fatalf("cluster %s, api %v, source %s", ks.Cluster().Name, ks.HasKubernetesAPI(), ks.AWSAuthSource())
	}
	h := ks.Handler()
	review := func(token string) map[string]any {
		code, v := post(t, h, "/authenticate", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"`+token+`"}}`)
		if code != 200 {
			t.Fatalf("TokenReview status %d", code)
		}
		st, _ := v["status"].(map[string]any)
		return st
	}
	one := s.Key(t, "UserOne")
	st := review(presign(t, one.AccessKeyID, one.SecretAccessKey, "aws-eks-auth-test"))
	user, _ := st["user"].(map[string]any)
	if st["authenticated"] != true || user["username"] != "UserOne" || !strings.Contains(toJSON(user["groups"]), "system:masters") {
		t.Fatalf("UserOne: %v", st)
	}
	if st := review(presign(t, one.AccessKeyID, one.SecretAccessKey, "another-cluster")); st["authenticated"] == true {
		t.Fatal("a token for another cluster authenticated")
	}
	three := s.Key(t, "UserThree")
	st = review(presign(t, three.AccessKeyID, three.SecretAccessKey, "aws-eks-auth-test"))
	user, _ = st["user"].(map[string]any)
	if st["authenticated"] != true {
		t.Fatalf("UserThree (access entry): %v", st)
	}
	sar := func(ns, verb string) bool {
		body := `{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"` + user["username"].(string) + `","groups":` + toJSON(user["groups"]) +
			`,"extra":` + toJSON(user["extra"]) + `,"resourceAttributes":{"namespace":"` + ns + `","verb":"` + verb + `","version":"v1","resource":"pods"}}}`
		code, v := post(t, h, "/authorize", body)
		if code != 200 {
			t.Fatalf("SAR status %d", code)
		}
		st, _ := v["status"].(map[string]any)
		return st["allowed"] == true
	}
	if !sar("default", "list") || sar("default", "create") || sar("other", "list") {
		t.Fatal("UserThree's view policy scoped to default is not enforced")
	}
	if code, _ := post(t, h, "/mutate", `{"kind":`); code == 200 {
		t.Fatal("a malformed AdmissionReview was answered 200")
	}
	pod := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"default","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"serviceAccountName":"x","containers":[{"name":"c","image":"i"}]}}}}`
	code, v := post(t, h, "/mutate", pod)
	resp, _ := v["response"].(map[string]any)
	if code != 200 || resp["uid"] != "u1" || resp["allowed"] != true || resp["patch"] != nil {
		t.Fatalf("pod without Kubernetes API: %d %v", code, v)
	}

	counts := map[string]float64{}
	mfs, err := s.App.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			counts[mf.GetName()+"{"+label(m)+"}"] += m.GetCounter().GetValue()
		}
	}
	for k, want := range map[string]float64{
		"trustbridge_token_reviews_total{authenticated}": 2,
		"trustbridge_access_reviews_total{allowed}":      1,
		"trustbridge_admission_reviews_total{unchanged}": 1,
		"trustbridge_admission_reviews_total{error}":     1,
	} {
		if counts[k] != want {
			t.Errorf("%s = %v, want %v (all: %v)", k, counts[k], want, counts)
		}
	}
}

func label(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetValue())
	}
	return strings.Join(parts, ",")
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
