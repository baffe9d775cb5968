package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"golang.org/x/sync/singleflight"
)

// CredentialsPath is the only path the agent serves.
const CredentialsPath = "/v1/credentials"

// DefaultAddrs are the addresses EKS's Pod Identity agent listens on, and
// the ones the pod mutation webhook points AWS_CONTAINER_CREDENTIALS_FULL_URI
// at.
var DefaultAddrs = []string{"169.254.170.23:80", "[fd00:ec2::23]:80"}

// Defaults for the zero values of Config.
const (
	DefaultRegion          = "us-east-1"
	DefaultCacheSize       = 4096
	DefaultRefreshBefore   = 20 * time.Minute
	DefaultUpstreamTimeout = 10 * time.Second
	DefaultUserAgent       = "trustbridge-agent"
)

// refreshRetryInterval spaces background refresh attempts after one failed,
// so a down EKS Auth is not called on every cache hit.
const refreshRetryInterval = 5 * time.Second

// maxTokenBytes bounds the Authorization header the agent forwards.
const maxTokenBytes = 16 << 10

// clusterNamePattern is ClusterName from botocore's eks-auth model.
var clusterNamePattern = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]*$`)

// Config configures an Agent. Only Cluster, Endpoint and Credentials are
// required.
type Config struct {
	// Cluster is the EKS cluster name the node belongs to, sent in the
	// AssumeRoleForPodIdentity path.
	Cluster string
	// Endpoint is the base URL of the EKS Auth API: trustbridge's edge
	// (e.g. "http://127.0.0.1:4577"), or "https://eks-auth.REGION.api.aws"
	// on AWS. A path prefix is kept.
	Endpoint string
	// Addrs are the "host:port" addresses Run listens on and the Host
	// headers the handler accepts. If empty, DefaultAddrs.
	Addrs []string
	// Region is the SigV4 signing region. If empty, DefaultRegion.
	Region string
	// Credentials are the node's own AWS credentials, used only to sign the
	// EKS Auth call; typically from config.LoadDefaultConfig (environment,
	// shared profile, IMDS). They are wrapped in an aws.CredentialsCache
	// unless they already are one.
	Credentials aws.CredentialsProvider
	// HTTPClient calls EKS Auth. If nil, a client on a clone of
	// http.DefaultTransport (which honours HTTPS_PROXY and NO_PROXY).
	HTTPClient *http.Client
	// CacheSize bounds the number of cached tokens. If zero,
	// DefaultCacheSize.
	CacheSize int
	// RefreshBefore is how long before expiry a cache hit starts a
	// background refresh, capped at half the credentials' lifetime. If
	// zero, DefaultRefreshBefore (ahead of botocore's 15-minute advisory
	// refresh, so SDKs rarely see credentials they consider stale).
	RefreshBefore time.Duration
	// UpstreamTimeout bounds one EKS Auth call. If zero,
	// DefaultUpstreamTimeout.
	UpstreamTimeout time.Duration
	// Now is the clock for cache expiry and SigV4 signing. If nil,
	// time.Now.
	Now func() time.Time
	// Logger receives one line per upstream call and per failed request.
	// If nil, logs are discarded.
	Logger *slog.Logger
	// UserAgent is sent to EKS Auth. If empty, DefaultUserAgent.
	UserAgent string
	// Metrics, if set, receives the agent's events (Prometheus metrics;
	// see internal/metrics.AgentRecorder).
	Metrics Metrics
}

// Metrics receives the agent's events for monitoring. Implementations run
// on the request path: they must be cheap, safe for concurrent use, and
// must not block. No method receives a token, a credential or an identity.
type Metrics interface {
	// CacheLookup is called once per well-formed credential request: hit
	// reports whether unexpired credentials were in the cache.
	CacheLookup(hit bool)
	// Request is called once per answered request with its HTTP status
	// and error code ("" on success).
	Request(status int, code string)
	// Upstream is called once per EKS Auth call with its result (""
	// on success, else the error code) and duration.
	Upstream(code string, elapsed time.Duration)
}

// noMetrics discards the events.
type noMetrics struct{}

func (noMetrics) CacheLookup(bool)               {}
func (noMetrics) Request(int, string)            {}
func (noMetrics) Upstream(string, time.Duration) {}

// An Agent serves pod credentials from EKS Auth. Its methods are safe for
// concurrent use.
type Agent struct {
	cluster       string
	addrs         []string
	hosts         *hostPolicy
	client        *eksAuthClient
	cache         *lru
	group         singleflight.Group
	refreshBefore time.Duration
	timeout       time.Duration
	now           func() time.Time
	log           *slog.Logger
	metrics       Metrics

	// bg parents every upstream call, so Close aborts them.
	bg       context.Context
	bgCancel context.CancelFunc
}

// New validates cfg, applies its defaults and returns an Agent. It does not
// listen; see Run or Handler.
func New(cfg Config) (*Agent, error) {
	if cfg.Cluster == "" {
		return nil, errors.New("agent: cluster name is required")
	}
	if len(cfg.Cluster) > 100 || !clusterNamePattern.MatchString(cfg.Cluster) {
		return nil, fmt.Errorf("agent: cluster name %q must be 1-100 letters, digits, '-' or '_', starting with a letter or digit", cfg.Cluster)
	}
	if cfg.Endpoint == "" {
		return nil, errors.New("agent: EKS Auth endpoint is required (trustbridge's URL, or https://eks-auth.REGION.api.aws on AWS)")
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("agent: EKS Auth endpoint %q must be an http or https URL without user, query or fragment", cfg.Endpoint)
	}
	if cfg.Credentials == nil {
		return nil, errors.New("agent: the node's AWS credentials are required (Config.Credentials)")
	}
	addrs := cfg.Addrs
	if len(addrs) == 0 {
		addrs = DefaultAddrs
	}
	hosts, err := newHostPolicy(addrs)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	if cfg.CacheSize < 0 || cfg.RefreshBefore < 0 || cfg.UpstreamTimeout < 0 {
		return nil, errors.New("agent: CacheSize, RefreshBefore and UpstreamTimeout must not be negative")
	}
	a := &Agent{
		cluster:       cfg.Cluster,
		addrs:         append([]string(nil), addrs...),
		hosts:         hosts,
		cache:         newLRU(orDefault(cfg.CacheSize, DefaultCacheSize)),
		refreshBefore: orDefault(cfg.RefreshBefore, DefaultRefreshBefore),
		timeout:       orDefault(cfg.UpstreamTimeout, DefaultUpstreamTimeout),
		now:           cfg.Now,
		log:           cfg.Logger,
		metrics:       cfg.Metrics,
	}
	if a.metrics == nil {
		a.metrics = noMetrics{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	creds := cfg.Credentials
	if _, ok := creds.(*aws.CredentialsCache); !ok {
		creds = aws.NewCredentialsCache(creds)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 16 // a node's pods start in bursts
		hc = &http.Client{Transport: tr}
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/clusters/" + cfg.Cluster + "/assume-role-for-pod-identity"
	u.RawPath = ""
	a.client = &eksAuthClient{
		url:       u.String(),
		region:    orDefault(cfg.Region, DefaultRegion),
		creds:     creds,
		signer:    v4.NewSigner(),
		http:      hc,
		userAgent: orDefault(cfg.UserAgent, DefaultUserAgent),
	}
	a.bg, a.bgCancel = context.WithCancel(context.Background())
	return a, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Addrs returns the addresses the agent serves.
func (a *Agent) Addrs() []string { return append([]string(nil), a.addrs...) }

// Close aborts upstream calls in flight (background refreshes included).
// Requests after Close fail with a 5xx. Close always returns nil.
func (a *Agent) Close() error {
	a.bgCancel()
	return nil
}

// Handler returns the agent's HTTP handler: GET /v1/credentials with the
// token in Authorization, Host one of the agent's addresses.
func (a *Agent) Handler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

// Header values shared by every successful response; net/http only reads
// them.
var (
	jsonContentType = []string{"application/json"}
	textContentType = []string{"text/plain; charset=utf-8"}
	noStore         = []string{"no-store"}
	noSniff         = []string{"nosniff"}
)

func (a *Agent) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.hosts.allow(r.Host) {
		a.fail(w, r, "", &Error{Status: http.StatusBadRequest, Code: CodeInvalidHost,
			Message: fmt.Sprintf("the Host header %s is not one of this agent's addresses (%s)", quoteBounded(r.Host), strings.Join(a.addrs, ", "))})
		return
	}
	if r.URL.Path != CredentialsPath {
		a.fail(w, r, "", &Error{Status: http.StatusNotFound, Code: CodeNotFound,
			Message: "not found: the agent serves only GET " + CredentialsPath})
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		a.fail(w, r, "", &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
			Message: "method " + quoteBounded(r.Method) + " not allowed: use GET " + CredentialsPath})
		return
	}
	vals := r.Header["Authorization"]
	if len(vals) != 1 || vals[0] == "" {
		a.fail(w, r, "", &Error{Status: http.StatusBadRequest, Code: CodeMissingToken,
			Message: "the Authorization header must hold the pod's service account token exactly once " +
				"(the SDK reads it from the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)"})
		return
	}
	token := vals[0]
	e, err := a.get(r.Context(), token)
	if err != nil {
		a.fail(w, r, token, err)
		return
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = e.length
	h["Cache-Control"] = noStore
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.body)
	a.metrics.Request(http.StatusOK, "")
}

// fail writes err as a plain-text error and logs it. err is an *Error, or
// becomes a 500 without its text.
func (a *Agent) fail(w http.ResponseWriter, r *http.Request, token string, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		ae = &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "internal error (see the agent's log)", cause: err}
	}
	h := w.Header()
	h["Content-Type"] = textContentType
	h["X-Content-Type-Options"] = noSniff
	h["Cache-Control"] = noStore
	w.WriteHeader(ae.Status)
	_, _ = w.Write([]byte(ae.Message + "\n"))
	a.metrics.Request(ae.Status, metricCode(ae.Code))

	level := slog.LevelInfo
	if ae.Status >= 500 {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.Int("status", ae.Status),
		slog.String("code", ae.Code),
		slog.String("remote", r.RemoteAddr),
		slog.String("message", ae.Message),
	}
	if token != "" {
		attrs = append(attrs, slog.String("token_sha256", tokenID(token)))
	}
	if ae.cause != nil {
		attrs = append(attrs, slog.String("cause", scrub(ae.cause.Error(), token)))
	}
	a.log.LogAttrs(r.Context(), level, "credential request failed", attrs...)
}

// quoteBounded quotes a request value for an error message, cut to 64 bytes.
func quoteBounded(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}

// tokenID is the short token fingerprint logs carry: 16 hex digits of its
// SHA-256, enough to correlate lines, useless to recover the token.
func tokenID(token string) string {
	k := tokenKey(token)
	return hex.EncodeToString(k[:8])
}

// Credentials returns credentials for a service-account token, from the
// cache when it holds unexpired ones, otherwise from EKS Auth. Every error
// is an *Error.
func (a *Agent) Credentials(ctx context.Context, token string) (Credentials, error) {
	e, err := a.get(ctx, token)
	if err != nil {
		return Credentials{}, err
	}
	return e.creds, nil
}

// get returns the cache entry for token, fetching it on a miss. A hit
// inside the refresh window starts a background refresh and still returns
// the cached entry.
func (a *Agent) get(ctx context.Context, token string) (*entry, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	k := tokenKey(token)
	e, refresh := a.cache.lookup(k, a.now())
	a.metrics.CacheLookup(e != nil)
	if e != nil {
		if refresh {
			// The call runs in singleflight's goroutine; its buffered
			// result channel is dropped.
			a.startRefresh(k, token, true)
		}
		return e, nil
	}
	select {
	case res := <-a.startRefresh(k, token, false):
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*entry), nil
	case <-ctx.Done():
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "RequestCanceled", Message: "the request was canceled", cause: ctx.Err()}
	}
}

// startRefresh starts refresh(k, token) unless one is already running for
// k, and returns a channel that receives its result. (A separate function
// so the hit path's k does not escape to the heap through the closure.)
func (a *Agent) startRefresh(k cacheKey, token string, background bool) <-chan singleflight.Result {
	return a.group.DoChan(string(k[:]), func() (any, error) { return a.refresh(k, token, background) })
}

// hashers pools SHA-256 states with a copy buffer, so hashing a token
// string allocates nothing.
var hashers = sync.Pool{New: func() any { return &hasher{h: sha256.New()} }}

type hasher struct {
	h   hash.Hash
	buf [512]byte
}

// tokenKey returns the SHA-256 of token.
func tokenKey(token string) cacheKey {
	hs := hashers.Get().(*hasher)
	hs.h.Reset()
	for len(token) > 0 {
		n := copy(hs.buf[:], token)
		hs.h.Write(hs.buf[:n])
		token = token[n:]
	}
	var k cacheKey
	copy(k[:], hs.h.Sum(hs.buf[:0])) // summing into buf keeps k on the stack
	hashers.Put(hs)
	return k
}

// refresh calls EKS Auth for token and updates the cache: a new entry on
// success, eviction when EKS Auth rejects the token, otherwise a retry
// backoff for background refreshes. It runs once per key at a time
// (singleflight) under the agent's own context, so a caller giving up does
// not cancel the call for the others waiting on it. A background refresh
// logs its failure, since no request reports it.
func (a *Agent) refresh(k cacheKey, token string, background bool) (*entry, error) {
	ctx, cancel := context.WithTimeout(a.bg, a.timeout)
	defer cancel()
	start := a.now()
	creds, err := a.client.assume(ctx, token, start)
	if err == nil && !creds.Expiration.After(start) {
		err = badResponse("the credentials have already expired (is the node's clock right?)")
	}
	a.metrics.Upstream(upstreamCode(err), a.now().Sub(start))
	if err != nil {
		ae := a.refreshFailed(k, start, err)
		if background {
			a.log.LogAttrs(ctx, slog.LevelWarn, "background refresh failed",
				slog.Int("status", ae.Status),
				slog.String("code", ae.Code),
				slog.String("message", ae.Message),
				slog.String("token_sha256", tokenID(token)),
			)
		}
		return nil, ae
	}
	e, err := a.newEntry(k, creds, start)
	if err != nil {
		return nil, a.refreshFailed(k, start, err)
	}
	a.cache.put(e)
	a.log.LogAttrs(ctx, slog.LevelInfo, "credentials issued",
		slog.String("namespace", creds.Namespace),
		slog.String("service_account", creds.ServiceAccount),
		slog.String("assumed_role_arn", creds.AssumedRoleARN),
		slog.String("association_id", creds.AssociationID),
		slog.Time("expiration", creds.Expiration),
		slog.String("token_sha256", tokenID(token)),
		slog.Duration("elapsed", a.now().Sub(start)),
	)
	return e, nil
}

// refreshFailed updates the cache after a failed call that started at
// start and returns the *Error for the pod: the entry is evicted when EKS
// Auth rejected the token, otherwise kept with a retry backoff.
func (a *Agent) refreshFailed(k cacheKey, start time.Time, err error) *Error {
	var ue *upstreamError
	if errors.As(err, &ue) {
		if ue.evicts() {
			if a.cache.remove(k) {
				a.log.LogAttrs(a.bg, slog.LevelInfo, "evicted cached credentials", slog.String("code", ue.code), slog.String("token_sha256", hex.EncodeToString(k[:8])))
			}
		} else {
			a.cache.refreshFailed(k, start.Add(refreshRetryInterval))
		}
		ae := ue.agentError()
		ae.cause = ue
		return ae
	}
	a.cache.refreshFailed(k, start.Add(refreshRetryInterval))
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "internal error (see the agent's log)", cause: err}
}

// credentialsResponse is the body SDK container credential providers read.
type credentialsResponse struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	AccountID       string `json:"AccountId,omitempty"`
	Expiration      string `json:"Expiration"`
}

// newEntry encodes creds fetched at now into a cache entry whose refresh
// window opens RefreshBefore before expiry, or halfway through the
// credentials' lifetime if that is later.
func (a *Agent) newEntry(k cacheKey, creds Credentials, now time.Time) (*entry, error) {
	body, err := json.Marshal(credentialsResponse{
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		Token:           creds.SessionToken,
		AccountID:       creds.AccountID,
		Expiration:      creds.Expiration.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return nil, err
	}
	lead := min(a.refreshBefore, creds.Expiration.Sub(now)/2)
	return &entry{
		key:       k,
		creds:     creds,
		body:      body,
		length:    []string{strconv.Itoa(len(body))},
		refreshAt: creds.Expiration.Add(-lead),
	}, nil
}

// checkToken rejects an Authorization value that cannot be a service
// account token before it costs an upstream call: it must be a JWT
// (three base64url segments, the model's JwtToken pattern) of at most
// maxTokenBytes, sent raw.
func checkToken(tok string) *Error {
	if len(tok) >= 7 && strings.EqualFold(tok[:7], "bearer ") {
		return &Error{Status: http.StatusBadRequest, Code: CodeMalformedToken,
			Message: `the Authorization header must be the raw service account token, without "Bearer "`}
	}
	if len(tok) > maxTokenBytes {
		return &Error{Status: http.StatusBadRequest, Code: CodeMalformedToken,
			Message: fmt.Sprintf("the Authorization header is longer than %d bytes", maxTokenBytes)}
	}
	dots, seg := 0, 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case jwtChars[c]:
			seg++
		case c == '.':
			if seg == 0 {
				return malformedToken()
			}
			dots, seg = dots+1, 0
		default:
			return malformedToken()
		}
	}
	if dots != 2 || seg == 0 {
		return malformedToken()
	}
	return nil
}

// jwtChars are the bytes of a JWT segment: the base64url alphabet and '='.
var jwtChars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") {
		t[c] = true
	}
	return t
}()

func malformedToken() *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeMalformedToken,
		Message: "the Authorization header is not a service account token (a JWT: three base64url parts separated by dots)"}
}

// upstreamCode is the metrics result of an EKS Auth call: "" on success,
// the AWS error code when EKS Auth answered with one, else the agent's
// error code or "Error".
func upstreamCode(err error) string {
	if err == nil {
		return ""
	}
	var ue *upstreamError
	if errors.As(err, &ue) {
		return metricCode(ue.code)
	}
	var ae *Error
	if errors.As(err, &ae) {
		return metricCode(ae.Code)
	}
	return "InternalError"
}

// agentCodes are the error codes the agent itself answers with.
var agentCodes = map[string]bool{
	CodeNotFound: true, CodeMethodNotAllowed: true, CodeInvalidHost: true, CodeMissingToken: true,
	CodeMalformedToken: true, CodeNodeCredentials: true, CodeUpstreamUnreachable: true,
	CodeUpstreamTimeout: true, CodeUpstreamBadResponse: true, "InternalError": true, "RequestCanceled": true,
}

// metricCode bounds an error code for a metric label: the agent's own
// codes and the EKS Auth codes it knows pass, any other code an upstream
// sent becomes "OtherUpstreamError" (labels must not be unbounded).
func metricCode(code string) string {
	if _, ok := upstreamStatus[code]; ok || agentCodes[code] || nodeCredentialCodes[code] || evictingCodes[code] {
		return code
	}
	return "OtherUpstreamError"
}
