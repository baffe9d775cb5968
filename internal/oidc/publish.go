package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// Paths of the service-account issuer documents on a kube-apiserver, and
// the discovery path under any issuer.
const (
	DiscoveryPath        = "/.well-known/openid-configuration"
	APIServerJWKSPath    = "/openid/v1/jwks"
	DefaultJWKSObject    = "keys.json"
	maxPublishedDocBytes = 1 << 20
)

// FetchFromCluster reads the service-account issuer's discovery document
// and JWKS from a cluster's API server (GET /.well-known/openid-configuration
// and /openid/v1/jwks) with the credentials of restConfig, typically loaded
// from a kubeconfig. Both documents are checked: the discovery document
// must name an https issuer and jwks_uri, and the JWKS must hold at least
// one usable public signing key and no private key material.
//
// The identity in restConfig needs get on those non-resource URLs; the
// built-in ClusterRole system:service-account-issuer-discovery grants it.
func FetchFromCluster(ctx context.Context, restConfig *rest.Config) (discovery, jwks []byte, err error) {
	cfg := rest.CopyConfig(restConfig)
	// The documents are plain JSON; no API types are decoded, so an empty
	// scheme is enough for the client's content negotiation.
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(runtime.NewScheme()).WithoutConversion()
	cfg.AcceptContentTypes = "application/json, application/jwk-set+json"
	rc, err := rest.UnversionedRESTClientFor(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	discovery, err = rc.Get().AbsPath(DiscoveryPath).DoRaw(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s from the API server: %w", DiscoveryPath, err)
	}
	jwks, err = rc.Get().AbsPath(APIServerJWKSPath).DoRaw(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s from the API server: %w", APIServerJWKSPath, err)
	}
	if _, _, err := readDiscovery(discovery); err != nil {
		return nil, nil, err
	}
	if err := CheckJWKS(jwks); err != nil {
		return nil, nil, err
	}
	return discovery, jwks, nil
}

// ClusterIssuer returns the issuer named by a discovery document. Publish
// tooling compares it with the URL it publishes under: tokens carry the
// cluster's --service-account-issuer as iss, and STS fetches discovery from
// exactly that URL, so the two must be equal for published keys to be used.
func ClusterIssuer(discovery []byte) (string, error) {
	iss, _, err := readDiscovery(discovery)
	return iss, err
}

// Rewrite returns discovery with its issuer set to issuerURL and its
// jwks_uri set to jwksURL (if empty, issuerURL + "/keys.json", the object
// WriteDir writes). Every other member is kept. Both URLs must be absolute
// https URLs without query or fragment, and issuerURL must not end in "/".
// The output is indented JSON with sorted keys, so rewriting the same input
// twice gives identical bytes.
//
// Rewrite does not make tokens carry issuerURL: the API server must be
// started with --service-account-issuer=issuerURL (see the package doc).
func Rewrite(discovery []byte, issuerURL, jwksURL string) ([]byte, error) {
	if err := checkPublishURL("issuer", issuerURL); err != nil {
		return nil, err
	}
	if strings.HasSuffix(issuerURL, "/") {
		return nil, fmt.Errorf("issuer URL %s must not end in /", quote(issuerURL, 200))
	}
	if jwksURL == "" {
		jwksURL = issuerURL + "/" + DefaultJWKSObject
	}
	if err := checkPublishURL("jwks", jwksURL); err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(discovery, &doc); err != nil || doc == nil {
		return nil, errors.New("discovery document is not a JSON object")
	}
	doc["issuer"], _ = json.Marshal(issuerURL)
	doc["jwks_uri"], _ = json.Marshal(jwksURL)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode discovery document: %w", err)
	}
	return append(out, '\n'), nil
}

func checkPublishURL(what, s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fmt.Errorf("%s URL %s must be printable ASCII (percent-encode anything else)", what, quote(s, 200))
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return fmt.Errorf("%s URL %s must be an absolute https URL without credentials, query or fragment", what, quote(s, 200))
	}
	return nil
}

// readDiscovery returns the issuer and jwks_uri of a discovery document,
// both required to be absolute https URLs.
func readDiscovery(b []byte) (issuer string, jwks *url.URL, err error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return "", nil, errors.New("discovery document is not a JSON object with string issuer and jwks_uri")
	}
	if err := checkPublishURL("discovery issuer", doc.Issuer); err != nil {
		return "", nil, err
	}
	if err := checkPublishURL("discovery jwks_uri", doc.JWKSURI); err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(doc.JWKSURI)
	return doc.Issuer, u, nil
}

// privateJWKMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4; OKP "d").
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// CheckJWKS checks that a JWKS is safe and useful to publish: it must parse,
// hold at least one public signing key STS can use, and contain no private
// or symmetric key material in any entry (publishing a private key would
// let anyone mint tokens for the cluster).
func CheckJWKS(jwks []byte) error {
	var doc struct {
		Keys []map[string]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &doc); err != nil {
		return errors.New("JWKS is not a JSON object with a keys list")
	}
	for i, k := range doc.Keys {
		for _, m := range privateJWKMembers {
			if _, ok := k[m]; ok {
				return fmt.Errorf("JWKS entry %d has private key member %q; refusing to publish it", i, m)
			}
		}
	}
	if _, err := parseJWKS(jwks, 100, "published JWKS"); err != nil {
		return err
	}
	return nil
}

// jwksObjectPath returns where, relative to the issuer's root, the JWKS must
// be published: the path of jwks_uri below the issuer's path. It fails if
// jwks_uri is not under the issuer (other host, or outside its path), since
// no file under the issuer's root would then be served at jwks_uri.
func jwksObjectPath(issuer string, jwks *url.URL) (string, error) {
	iu, err := url.Parse(issuer)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(iu.Host, jwks.Host) {
		return "", fmt.Errorf("jwks_uri %s is not on the issuer's host %s; publish the JWKS there separately or Rewrite the discovery document", jwks.Redacted(), iu.Host)
	}
	base := strings.TrimSuffix(iu.EscapedPath(), "/") + "/"
	p := jwks.EscapedPath()
	if !strings.HasPrefix(p, base) {
		return "", fmt.Errorf("jwks_uri %s is not under the issuer %s", jwks.Redacted(), issuer)
	}
	rel, err := url.PathUnescape(strings.TrimPrefix(p, base))
	if err != nil {
		return "", fmt.Errorf("jwks_uri path: %w", err)
	}
	clean := path.Clean(rel)
	if rel == "" || clean != rel || strings.HasPrefix(rel, "/") || strings.HasPrefix(clean, "../") || clean == ".." || clean == "." ||
		strings.HasSuffix(rel, "/") || clean == strings.TrimPrefix(DiscoveryPath, "/") || strings.ContainsRune(rel, '\\') {
		return "", fmt.Errorf("jwks_uri path %s cannot be published as a file", quote(rel, 200))
	}
	return clean, nil
}

// WriteDir writes the issuer documents into dir, laid out as the issuer's
// root for static hosting (an S3 bucket or prefix, a web server's document
// root): dir/.well-known/openid-configuration and the JWKS at the path of
// jwks_uri below the issuer (dir/keys.json after Rewrite with the default
// jwks URL). It checks both documents first (see CheckJWKS), writes each
// file atomically (temporary file and rename) with mode 0644, and creates
// directories with mode 0755. Objects must be served with Content-Type
// application/json.
func WriteDir(dir string, discovery, jwks []byte) error {
	issuer, ju, err := readDiscovery(discovery)
	if err != nil {
		return err
	}
	if err := CheckJWKS(jwks); err != nil {
		return err
	}
	rel, err := jwksObjectPath(issuer, ju)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(DiscoveryPath, "/"))), discovery); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, filepath.FromSlash(rel)), jwks)
}

func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", name, err)
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// A Handler serves an issuer's discovery document and JWKS over HTTP: the
// discovery document at the issuer's path + /.well-known/openid-configuration
// and the JWKS at the path of jwks_uri. Only GET and HEAD are answered; any
// other path is 404. Update swaps the documents atomically (for key
// rotation); it is safe to call while requests are served.
//
// Mount it where the issuer URL's host reaches it (and jwks_uri's host, if
// different), behind TLS: STS only fetches https issuers.
type Handler struct {
	cur atomic.Pointer[publication]
}

type publication struct {
	discoveryPath, jwksPath string
	discovery, jwks         []byte
	modified                time.Time
	etagDiscovery, etagJWKS string
}

// NewHandler returns a Handler serving the given documents; see Update.
func NewHandler(discovery, jwks []byte) (*Handler, error) {
	h := &Handler{}
	if err := h.Update(discovery, jwks); err != nil {
		return nil, err
	}
	return h, nil
}

// Update checks the documents (as WriteDir does) and serves them from now
// on. On error the previous documents stay in place.
func (h *Handler) Update(discovery, jwks []byte) error {
	if len(discovery) > maxPublishedDocBytes || len(jwks) > maxPublishedDocBytes {
		return fmt.Errorf("issuer documents must be at most %d bytes", maxPublishedDocBytes)
	}
	issuer, ju, err := readDiscovery(discovery)
	if err != nil {
		return err
	}
	if err := CheckJWKS(jwks); err != nil {
		return err
	}
	iu, _ := url.Parse(issuer)
	p := &publication{
		discoveryPath: strings.TrimSuffix(iu.Path, "/") + DiscoveryPath,
		jwksPath:      ju.Path,
		discovery:     append([]byte(nil), discovery...),
		jwks:          append([]byte(nil), jwks...),
		modified:      time.Now().UTC().Truncate(time.Second),
	}
	if p.jwksPath == "" || p.jwksPath == p.discoveryPath {
		return fmt.Errorf("jwks_uri %s cannot be served next to the discovery document", ju.Redacted())
	}
	p.etagDiscovery = etag(p.discovery)
	p.etagJWKS = etag(p.jwks)
	h.cur.Store(p)
	return nil
}

func etag(b []byte) string {
	var h uint64 = 14695981039346656037 // FNV-1a: an ETag needs change detection, not security
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return `"` + strconv.FormatUint(h, 36) + `"`
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := h.cur.Load()
	var body []byte
	var ctype, tag string
	switch {
	case p != nil && r.URL.Path == p.discoveryPath:
		body, ctype, tag = p.discovery, "application/json", p.etagDiscovery
	case p != nil && r.URL.Path == p.jwksPath:
		body, ctype, tag = p.jwks, "application/jwk-set+json", p.etagJWKS
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ctype)
	hdr.Set("Cache-Control", "public, max-age=300")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("ETag", tag)
	http.ServeContent(w, r, "", p.modified, bytes.NewReader(body))
}
