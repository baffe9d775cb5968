package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"k8s.io/client-go/rest"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// apiServerDiscovery is what a kube-apiserver started with
// --service-account-issuer=ISS serves (Kubernetes 1.32 field set).
func apiServerDiscovery(iss, jwksURI string) []byte {
	return []byte(`{"issuer":"` + iss + `","jwks_uri":"` + jwksURI + `","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256","RS256"]}`)
}

// fakeAPIServer serves the two issuer documents behind bearer-token
// authentication, as a kube-apiserver does for an identity bound to
// system:service-account-issuer-discovery.
func fakeAPIServer(t *testing.T, discovery, jwks []byte) (*httptest.Server, *rest.Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer kube-secret-token" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`))
			return
		}
		switch r.URL.Path {
		case DiscoveryPath:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(discovery)
		case APIServerJWKSPath:
			w.Header().Set("Content-Type", "application/jwk-set+json")
			_, _ = w.Write(jwks)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := &rest.Config{
		Host:            srv.URL,
		BearerToken:     "kube-secret-token",
		TLSClientConfig: rest.TLSClientConfig{CAData: pemOf(srv.Certificate())},
	}
	return srv, cfg
}

func TestFetchFromCluster(t *testing.T) {
	k := getKeys()
	jwks := jwksOf(jwk(t, k.p256.Public(), "kube-key", "ES256"))
	disc := apiServerDiscovery("https://kubernetes.default.svc", "https://10.0.0.1:6443/openid/v1/jwks")
	_, cfg := fakeAPIServer(t, disc, jwks)

	gotD, gotJ, err := FetchFromCluster(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotD, disc) || !bytes.Equal(gotJ, jwks) {
		t.Fatalf("documents differ:\n%s\n%s", gotD, gotJ)
	}
	if iss, err := ClusterIssuer(gotD); err != nil || iss != "https://kubernetes.default.svc" {
		t.Fatalf("ClusterIssuer = %q, %v", iss, err)
	}

	bad := *cfg
	bad.BearerToken = "wrong"
	if _, _, err := FetchFromCluster(context.Background(), &bad); err == nil || strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "kube-secret-token") {
		t.Fatalf("unauthorized fetch: %v", err)
	}

	tests := []struct {
		name       string
		disc, jwks []byte
		want       string
	}{
		{"private key in JWKS", disc, []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}]}`), `private key member "d"`},
		{"no usable key", disc, []byte(`{"keys":[]}`), "no usable signing key"},
		{"discovery without jwks_uri", []byte(`{"issuer":"https://x"}`), jwks, "jwks_uri"},
		{"discovery with http issuer", apiServerDiscovery("http://x", "https://x/keys"), jwks, "issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := fakeAPIServer(t, tt.disc, tt.jwks)
			_, _, err := FetchFromCluster(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	disc := apiServerDiscovery("https://kubernetes.default.svc", "https://10.0.0.1:6443/openid/v1/jwks")
	got, err := Rewrite(disc, "https://oidc.example.com/clusters/prod", "")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "rewrite.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Rewrite output differs from %s:\n%s", golden, got)
	}
	again, _ := Rewrite(got, "https://oidc.example.com/clusters/prod", "")
	if !bytes.Equal(again, got) {
		t.Fatal("Rewrite is not idempotent")
	}

	errs := []struct {
		name, issuer, jwks string
		disc               []byte
	}{
		{"http issuer", "http://oidc.example.com", "", disc},
		{"trailing slash", "https://oidc.example.com/", "", disc},
		{"query", "https://oidc.example.com?x=1", "", disc},
		{"credentials", "https://u:p@oidc.example.com", "", disc},
		{"relative jwks", "https://oidc.example.com", "/keys.json", disc},
		{"not an object", "https://oidc.example.com", "", []byte(`[1]`)},
		{"null", "https://oidc.example.com", "", []byte(`null`)},
	}
	for _, tt := range errs {
		if _, err := Rewrite(tt.disc, tt.issuer, tt.jwks); err == nil {
			t.Errorf("%s: Rewrite accepted it", tt.name)
		}
	}
}

func TestWriteDir(t *testing.T) {
	k := getKeys()
	jwks := jwksOf(jwk(t, k.p256.Public(), "kube-key", ""))
	tests := []struct {
		name, issuer, jwksURI string
		wantFile              string
		wantErr               string
	}{
		{"default keys.json", "https://oidc.example.com", "", "keys.json", ""},
		{"issuer with a path", "https://s3.us-east-1.amazonaws.com/bucket-oidc", "", "keys.json", ""},
		{"nested jwks path", "https://oidc.example.com", "https://oidc.example.com/openid/v1/jwks", "openid/v1/jwks", ""},
		{"jwks on another host", "https://oidc.example.com", "https://keys.example.com/keys.json", "", "not on the issuer's host"},
		{"jwks outside the issuer path", "https://oidc.example.com/a", "https://oidc.example.com/b/keys.json", "", "not under the issuer"},
		{"jwks path escapes", "https://oidc.example.com/a", "https://oidc.example.com/a/x/../../etc/keys", "", "cannot be published"},
		{"jwks path encoded escape", "https://oidc.example.com/a", "https://oidc.example.com/a/%2e%2e/keys", "", "cannot be published"},
		{"jwks is the discovery path", "https://oidc.example.com", "https://oidc.example.com/.well-known/openid-configuration", "", "cannot be published"},
		{"jwks is a directory", "https://oidc.example.com", "https://oidc.example.com/keys/", "", "cannot be published"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disc, err := Rewrite(apiServerDiscovery("https://kubernetes.default.svc", "https://10.0.0.1/openid/v1/jwks"), tt.issuer, tt.jwksURI)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			err = WriteDir(dir, disc, jwks)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotD, err := os.ReadFile(filepath.Join(dir, ".well-known", "openid-configuration"))
			if err != nil || !bytes.Equal(gotD, disc) {
				t.Fatalf("discovery file: %v", err)
			}
			gotJ, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.wantFile)))
			if err != nil || !bytes.Equal(gotJ, jwks) {
				t.Fatalf("JWKS file %s: %v", tt.wantFile, err)
			}
			fi, _ := os.Stat(filepath.Join(dir, filepath.FromSlash(tt.wantFile)))
			if fi.Mode().Perm() != 0o644 {
				t.Fatalf("mode = %v", fi.Mode())
			}
			entries, _ := os.ReadDir(filepath.Join(dir, ".well-known"))
			if len(entries) != 1 {
				t.Fatalf("temporary files left behind: %v", entries)
			}
		})
	}
	disc, _ := Rewrite(apiServerDiscovery("https://x", "https://x/k"), "https://oidc.example.com", "")
	if err := WriteDir(t.TempDir(), disc, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)); err == nil || !strings.Contains(err.Error(), "private key member") {
		t.Fatalf("WriteDir published a symmetric key: %v", err)
	}
}

func TestHandler(t *testing.T) {
	k := getKeys()
	jwks := jwksOf(jwk(t, k.p256.Public(), "kube-key", ""))
	disc, _ := Rewrite(apiServerDiscovery("https://x", "https://x/k"), "https://oidc.example.com/clusters/prod", "")
	h, err := NewHandler(disc, jwks)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path string, hdr map[string]string) *http.Response {
		r := httptest.NewRequest(method, path, nil)
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	tests := []struct {
		method, path string
		status       int
		ctype        string
		body         []byte
	}{
		{"GET", "/clusters/prod/.well-known/openid-configuration", 200, "application/json", disc},
		{"GET", "/clusters/prod/keys.json", 200, "application/jwk-set+json", jwks},
		{"HEAD", "/clusters/prod/keys.json", 200, "application/jwk-set+json", nil},
		{"POST", "/clusters/prod/keys.json", 405, "", nil},
		{"GET", "/.well-known/openid-configuration", 404, "", nil},
		{"GET", "/clusters/prod/keys.json/", 404, "", nil},
	}
	for _, tt := range tests {
		resp := do(tt.method, tt.path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
			continue
		}
		if tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("%s %s: Content-Type %q", tt.method, tt.path, resp.Header.Get("Content-Type"))
		}
		if tt.body != nil && !bytes.Equal(body, tt.body) {
			t.Errorf("%s %s: body differs", tt.method, tt.path)
		}
	}
	etag := do("GET", "/clusters/prod/keys.json", nil).Header.Get("ETag")
	if resp := do("GET", "/clusters/prod/keys.json", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", resp.StatusCode)
	}

	// Rotation: Update swaps the documents; a bad update keeps the old.
	rotated := jwksOf(jwk(t, k.p256.Public(), "kube-key", ""), jwk(t, k.p384.Public(), "kube-key-2", ""))
	if err := h.Update(disc, rotated); err != nil {
		t.Fatal(err)
	}
	if err := h.Update(disc, []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)); err == nil {
		t.Fatal("Update accepted a symmetric key")
	}
	body, _ := io.ReadAll(do("GET", "/clusters/prod/keys.json", nil).Body)
	if !bytes.Equal(body, rotated) {
		t.Fatal("Update did not take effect or a bad update replaced it")
	}
}

// TestPublishedIssuerVerifies is the publish round trip: documents read
// from a cluster, rewritten for an issuer URL and served by Handler over
// TLS are what Verify uses to accept that cluster's tokens.
func TestPublishedIssuerVerifies(t *testing.T) {
	k := getKeys()
	clusterJWKS := jwksOf(jwk(t, k.p256.Public(), "kube-key", ""))
	var h *Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	issuer := srv.URL + "/clusters/prod"

	_, cfg := fakeAPIServer(t, apiServerDiscovery(issuer, "https://10.0.0.1:6443/openid/v1/jwks"), clusterJWKS)
	disc, jwks, err := FetchFromCluster(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if disc, err = Rewrite(disc, issuer, ""); err != nil {
		t.Fatal(err)
	}
	if h, err = NewHandler(disc, jwks); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(issuer)
	v := NewVerifier(Options{Now: newClock(epoch).Now})
	p := &Provider{URL: u.Host + u.Path, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{thumbprint(srv.Certificate())}}
	c := claimsFor(issuer)
	c["kubernetes.io"] = map[string]any{"namespace": "default", "serviceaccount": map[string]any{"name": "app", "uid": "1"}}
	claims, err := v.Verify(context.Background(), p, sign(t, k.p256, jose.ES256, "kube-key", c, nil))
	if err != nil {
		t.Fatal(err)
	}
	if claims.Kubernetes.ServiceAccountName != "app" {
		t.Fatalf("claims = %+v", claims)
	}
}

func FuzzRewrite(f *testing.F) {
	f.Add(apiServerDiscovery("https://kubernetes.default.svc", "https://10.0.0.1:6443/openid/v1/jwks"), "https://oidc.example.com/a", "")
	f.Add([]byte(`{"issuer":1}`), "https://x", "https://x/%2e%2e/k")
	f.Fuzz(func(t *testing.T, disc []byte, issuer, jwksURL string) {
		out, err := Rewrite(disc, issuer, jwksURL)
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("Rewrite produced invalid JSON: %v", err)
		}
		if m["issuer"] != issuer {
			t.Fatalf("issuer = %v, want %q", m["issuer"], issuer)
		}
		iss, ju, err := readDiscovery(out)
		if err != nil {
			t.Fatalf("Rewrite output does not read back: %v", err)
		}
		if rel, err := jwksObjectPath(iss, ju); err == nil {
			if strings.HasPrefix(rel, "/") || strings.Contains("/"+rel+"/", "/../") {
				t.Fatalf("jwks object path %q escapes the directory", rel)
			}
		}
	})
}
