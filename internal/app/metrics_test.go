package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trustbridge/trustbridge/internal/app"
	"github.com/trustbridge/trustbridge/internal/app/apptest"
	"github.com/trustbridge/trustbridge/internal/metrics"
)

// TestMetrics scrapes /metrics after a scripted set of requests — the AWS
// CLI with a long-term key (STS, IAM, EKS and a refused EKS Auth call), an
// explained denial, IAM writes by the root user, two unsigned
// AssumeRoleWithWebIdentity calls with a token from a real TLS issuer — and
// checks names and values with the Prometheus text parser: requests by
// service, action and code (every request labelled with both), latency,
// decisions, store operation latency and the OIDC fetch and cache
// counters.
func TestMetrics(t *testing.T) {
	is := newScanIssuer(t)
	s := apptest.Start(t, apptest.Options{Configure: func(c *app.Config) {
		c.MetricsOnEdge = true
		c.OIDC.RootCAs = is.pool
	}})
	scrape := func() map[string]*dto.MetricFamily {
		t.Helper()
		resp, err := http.Get(s.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		parser := expfmt.NewTextParser(model.LegacyValidation)
		families, err := parser.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return families
	}
	valueIn := func(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
		f, ok := families[name]
		if !ok {
			t.Fatalf("metric %s missing", name)
		}
		total := 0.0
	next:
		for _, m := range f.Metric {
			for k, v := range labels {
				found := false
				for _, lp := range m.Label {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case m.Gauge != nil:
				total += m.Gauge.GetValue()
			case m.Counter != nil:
				total += m.Counter.GetValue()
			case m.Histogram != nil:
				total += float64(m.Histogram.GetSampleCount())
			}
		}
		return total
	}
	userOne := apptest.KeyCreds(s.Key(t, "UserOne"))
	s.MustAWS(t, userOne, "sts", "get-caller-identity")
	s.MustAWS(t, userOne, "sts", "get-caller-identity")
	if _, _, err := s.AWS(t, userOne, "iam", "list-roles"); err == nil {
		t.Fatal("UserOne may not list roles")
	}
	s.MustAWS(t, userOne, "eks", "list-clusters")
	s.MustAWS(t, userOne, "eks", "describe-cluster", "--name", "aws-eks-auth-test")
	// EKS Auth with a token that is no JWT: authenticated and routed, so
	// labelled with its operation, and refused.
	rootCreds := apptest.KeyCreds(*s.World.Accounts[0].Root)
	if _, _, err := s.AWS(t, rootCreds, "eks-auth", "assume-role-for-pod-identity", "--cluster-name", "aws-eks-auth-test", "--token", "not-a-jwt"); err == nil {
		t.Fatal("EKS Auth accepted a token that is no JWT")
	}

	// The root user makes a user, an OIDC provider and a role trusting it;
	// a web identity token is exchanged twice (one verification with the
	// issuer's keys, one verified-token cache hit).
	before := scrape()
	ctx := context.Background()
	account, root := s.World.Accounts[0].ID, s.World.Accounts[0].Root
	rootIAM := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.SecretAccessKey, "")})
	if _, err := rootIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("metered")}); err != nil {
		t.Fatal(err)
	}
	if _, err := rootIAM.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(is.url), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)},
	}); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(is.url, "https://")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + account + `:oidc-provider/` + host + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	if _, err := rootIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("metered-web"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	token := is.sign(t, map[string]any{"iss": is.url, "sub": "system:serviceaccount:default:metered", "aud": "sts.amazonaws.com",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	anon := sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(s.URL), Credentials: aws.AnonymousCredentials{}})
	for range 2 {
		if _, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String("arn:aws:iam::" + account + ":role/metered-web"), RoleSessionName: aws.String("metered"), WebIdentityToken: aws.String(token),
		}); err != nil {
			t.Fatal(err)
		}
	}

	families := scrape()
	value := func(name string, labels map[string]string) float64 { return valueIn(families, name, labels) }
	if v := value("trustbridge_requests_total", map[string]string{"service": "sts", "action": "GetCallerIdentity", "code": ""}); v != 2 {
		t.Errorf("GetCallerIdentity requests = %v, want 2", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "iam", "action": "ListRoles", "code": "AccessDenied"}); v != 1 {
		t.Errorf("denied ListRoles = %v, want 1", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "eks"}); v != 2 {
		t.Errorf("eks requests = %v, want 2", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "eks", "action": "ListClusters", "code": ""}); v != 1 {
		t.Errorf("eks ListClusters requests = %v, want 1", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "eks", "action": "DescribeCluster", "code": ""}); v != 1 {
		t.Errorf("eks DescribeCluster requests = %v, want 1", v)
	}
	if v := value("trustbridge_request_duration_seconds", map[string]string{"service": "eks", "action": "DescribeCluster"}); v != 1 {
		t.Errorf("eks DescribeCluster latency samples = %v, want 1", v)
	}
	if v := value("trustbridge_requests_total", map[string]string{"service": "eks-auth", "action": "AssumeRoleForPodIdentity", "code": "InvalidTokenException"}); v != 1 {
		t.Errorf("eks-auth AssumeRoleForPodIdentity InvalidTokenException requests = %v, want 1", v)
	}
	if v := value("trustbridge_request_duration_seconds", map[string]string{"service": "sts", "action": "GetCallerIdentity"}); v != 2 {
		t.Errorf("sts GetCallerIdentity latency samples = %v, want 2", v)
	}
	// ListRoles, and the refused token (EKS Auth records every failure as
	// an implicit denial).
	if v := value("trustbridge_authorization_decisions_total", map[string]string{"decision": "ImplicitlyDenied"}); v != 2 {
		t.Errorf("implicit denials = %v, want 2", v)
	}
	if v := value("trustbridge_authorization_decisions_total", map[string]string{"decision": "Allowed"}); v < 1 {
		t.Errorf("allowed decisions = %v", v)
	}
	// Unsigned requests carry no credential scope: they are labelled with
	// the service that serves their action.
	if v := value("trustbridge_requests_total", map[string]string{"service": "sts", "action": "AssumeRoleWithWebIdentity", "code": ""}); v != 2 {
		t.Errorf("sts AssumeRoleWithWebIdentity requests = %v, want 2", v)
	}
	if v := value("trustbridge_request_duration_seconds", map[string]string{"service": "sts", "action": "AssumeRoleWithWebIdentity"}); v != 2 {
		t.Errorf("sts AssumeRoleWithWebIdentity latency samples = %v, want 2", v)
	}
	// No request went unlabelled.
	for _, name := range []string{"trustbridge_requests_total", "trustbridge_request_duration_seconds"} {
		for _, l := range []string{"service", "action"} {
			if v := value(name, map[string]string{l: ""}); v != 0 {
				t.Errorf("%s with %s=\"\": %v", name, l, v)
			}
		}
	}
	// Store latency: each IAM write is one store call (the world applied
	// at start, in one transaction, is in the first scrape).
	if v := valueIn(before, "trustbridge_store_operation_duration_seconds", map[string]string{"operation": "Tx"}); v < 1 {
		t.Errorf("no store transaction before the writes (the world is applied in one): %v", v)
	}
	for _, tc := range []struct {
		op       string
		min, max float64
	}{
		{"CreateUser", 1, 1},
		{"CreateRole", 1, 1},
		{"CreateOIDCProvider", 1, 1},
		{"Revision", 1, 1e9},
		{"DeleteCluster", 0, 0},
	} {
		labels := map[string]string{"operation": tc.op}
		v := value("trustbridge_store_operation_duration_seconds", labels) - valueIn(before, "trustbridge_store_operation_duration_seconds", labels)
		if v < tc.min || v > tc.max {
			t.Errorf("store %s samples after the world was applied = %v, want %v..%v", tc.op, v, tc.min, tc.max)
		}
	}
	// OIDC: the first token was verified with fetched keys, the second
	// came from the verified-token cache.
	for _, tc := range []struct {
		name     string
		min, max float64
	}{
		{"trustbridge_oidc_jwks_fetches_total", 1, 2},
		{"trustbridge_oidc_jwks_fetch_failures_total", 0, 0},
		{"trustbridge_oidc_token_cache_hits_total", 1, 1},
		{"trustbridge_oidc_token_cache_misses_total", 1, 1},
	} {
		if v := value(tc.name, nil); v < tc.min || v > tc.max {
			t.Errorf("%s = %v, want %v..%v", tc.name, v, tc.min, tc.max)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := families[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	catalogued := map[string]bool{}
	for _, i := range metrics.Catalog() {
		catalogued[i.Name] = true
	}
	for name := range families {
		if strings.HasPrefix(name, "trustbridge_") && !catalogued[name] {
			t.Errorf("%s is not in metrics.Catalog (and so not in docs/configuration.md)", name)
		}
		if !model.LegacyValidation.IsValidMetricName(name) {
			t.Errorf("invalid metric name %s", name)
		}
	}
}
