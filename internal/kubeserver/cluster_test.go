package kubeserver

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/store"
	"github.com/trustbridge/trustbridge/internal/store/storeopen"
)

// clusterStore is an in-memory store with two accounts: "web" in two
// regions of account one (ambiguous by bare name), "api" once, and an
// "api" in account two's eu-west-1.
func clusterStore(t testing.TB) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := storeopen.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{"111111111111", "222222222222"} {
		if err := st.CreateAccount(ctx, store.Account{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []store.ClusterRef{
		{Account: "111111111111", Region: "us-west-2", Name: "web"},
		{Account: "111111111111", Region: "us-east-1", Name: "web"},
		{Account: "111111111111", Region: "us-west-2", Name: "api"},
		{Account: "222222222222", Region: "eu-west-1", Name: "api"},
	} {
		c := store.Cluster{ClusterRef: r, ARN: "arn:aws:eks:" + r.Region + ":" + r.Account + ":cluster/" + r.Name, AuthenticationMode: store.AuthModeAPIAndConfigMap}
		if err := st.CreateCluster(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func TestResolveCluster(t *testing.T) {
	st := clusterStore(t)
	for _, tc := range []struct {
		name, ref, region string
		wantARN           string
		wantErr           string // substring
		notFound          bool
	}{
		{name: "bare name in the configured region", ref: "web", region: "us-east-1", wantARN: "arn:aws:eks:us-east-1:111111111111:cluster/web"},
		{name: "region/name", ref: "us-west-2/web", wantARN: "arn:aws:eks:us-west-2:111111111111:cluster/web"},
		{name: "region/name overrides the region", ref: "us-west-2/web", region: "us-east-1", wantARN: "arn:aws:eks:us-west-2:111111111111:cluster/web"},
		{name: "arn", ref: "arn:aws:eks:eu-west-1:222222222222:cluster/api", wantARN: "arn:aws:eks:eu-west-1:222222222222:cluster/api"},
		{name: "surrounding space", ref: "  eu-west-1/api ", wantARN: "arn:aws:eks:eu-west-1:222222222222:cluster/api"},
		{name: "bare name searched in every region is ambiguous", ref: "web", wantErr: "ambiguous: arn:aws:eks:"},
		{name: "same name in two accounts is ambiguous", ref: "api", wantErr: "name one by ARN"},
		{name: "unknown name lists the known clusters", ref: "nope", notFound: true, wantErr: "known clusters: arn:aws:eks:eu-west-1:222222222222:cluster/api, "},
		{name: "wrong region says where it looked", ref: "api", region: "ap-south-1", notFound: true, wantErr: `"api" in region ap-south-1`},
		{name: "unknown arn", ref: "arn:aws:eks:us-west-2:111111111111:cluster/gone", notFound: true, wantErr: "no registered cluster"},
		{name: "not an eks arn", ref: "arn:aws:iam::111111111111:role/web", wantErr: "not an EKS cluster ARN"},
		{name: "arn of a nodegroup", ref: "arn:aws:eks:us-west-2:111111111111:nodegroup/web/ng/x", wantErr: "not an EKS cluster ARN"},
		{name: "empty", ref: " ", wantErr: "no cluster named"},
		{name: "empty region part", ref: "/web", wantErr: "want NAME, REGION/NAME"},
		{name: "too many slashes", ref: "us-west-2/web/x", wantErr: "want NAME, REGION/NAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ResolveCluster(context.Background(), st, tc.ref, tc.region)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if got := errors.Is(err, ErrClusterNotFound); got != tc.notFound {
					t.Fatalf("errors.Is(ErrClusterNotFound) = %v: %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ARN != tc.wantARN {
				t.Fatalf("ARN %s, want %s", c.ARN, tc.wantARN)
			}
		})
	}
}

func TestResolveClusterEmptyStore(t *testing.T) {
	st, err := storeopen.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = ResolveCluster(context.Background(), st, "web", "")
	if !errors.Is(err, ErrClusterNotFound) || !strings.Contains(err.Error(), "trustbridge knows no clusters") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	base := Config{Addr: "127.0.0.1:0", SelfSignedDir: "/tmp/x", Cluster: "c"}
	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		wantErr []string
	}{
		{name: "self-signed", edit: func(*Config) {}},
		{name: "certificate pair", edit: func(c *Config) { c.SelfSignedDir, c.TLSCert, c.TLSKey = "", "a.crt", "a.key" }},
		{name: "default address", edit: func(c *Config) { c.Addr = "" }},
		{name: "all sources", edit: func(c *Config) { c.AWSAuthSource = AWSAuthWorld }},
		{name: "bad address", edit: func(c *Config) { c.Addr = "8443" }, wantErr: []string{`addr: "8443" is not host:port`}},
		{name: "both tls kinds", edit: func(c *Config) { c.TLSCert, c.TLSKey = "a", "b" }, wantErr: []string{"not both"}},
		{name: "half a pair", edit: func(c *Config) { c.SelfSignedDir, c.TLSCert = "", "a.crt" }, wantErr: []string{"a certificate and key (both)"}},
		{name: "no tls", edit: func(c *Config) { c.SelfSignedDir = "" }, wantErr: []string{"HTTPS only"}},
		{name: "no cluster", edit: func(c *Config) { c.Cluster = "" }, wantErr: []string{"cluster: required"}},
		{name: "unknown source", edit: func(c *Config) { c.AWSAuthSource = "file" }, wantErr: []string{`"file" is not auto, cluster or world`}},
		{name: "cluster source without api", edit: func(c *Config) { c.AWSAuthSource, c.NoKubernetesAPI = AWSAuthCluster, true }, wantErr: []string{"needs Kubernetes API access"}},
		{name: "negative duration", edit: func(c *Config) { c.SyncTimeout = -1 }, wantErr: []string{"must not be negative"}},
		{name: "mutate config", edit: func(c *Config) { c.Mutate.DefaultTokenExpiration = -5 }, wantErr: []string{"expiration"}},
		{name: "mutate endpoint", edit: func(c *Config) { c.Mutate.InjectEndpoint = "not a url" }, wantErr: []string{"endpoint"}},
		{name: "every problem at once", edit: func(c *Config) { c.Addr, c.Cluster, c.SelfSignedDir = "x", "", "" },
			wantErr: []string{"addr:", "cluster: required", "tls:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			err := c.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(w)) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// FuzzResolveCluster: any reference and region resolve to a cluster that
// matches them or to an error; never a panic or a cluster of another name.
func FuzzResolveCluster(f *testing.F) {
	st := clusterStore(f)
	for _, s := range []string{"web", "us-west-2/web", "arn:aws:eks:eu-west-1:222222222222:cluster/api", "arn:aws:eks::x:cluster/", "/", "a/b/c", "arn:", " api "} {
		f.Add(s, "")
		f.Add(s, "us-west-2")
	}
	f.Fuzz(func(t *testing.T, ref, region string) {
		c, err := ResolveCluster(context.Background(), st, ref, region)
		if err != nil {
			return
		}
		ref = strings.TrimSpace(ref)
		if !strings.HasSuffix(ref, c.Name) && !strings.HasSuffix(ref, "/"+c.Name) {
			t.Fatalf("ref %q resolved to %s", ref, c.ARN)
		}
	})
}
