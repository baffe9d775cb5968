// Package audit writes trustbridge's audit stream — one CloudTrail-like
// JSON event per authorization decision — and keeps the explanation of
// every denial in the store, keyed by request ID, so `trustbridge explain
// REQUEST_ID` works on any replica.
//
// Events carry request parameters only after the caller has removed
// secrets (see Sanitize); the package itself never sees credentials,
// session tokens, signatures or web identity tokens.
package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/trustbridge/trustbridge/internal/store"
)

// DefaultRetention is how long denial explanations are kept.
const DefaultRetention = 24 * time.Hour

// UserIdentity is the caller, as CloudTrail describes it.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	SessionName string `json:"sessionName,omitempty"`
}

// Decision summarizes the policy engine's decision.
type Decision struct {
	Decision string `json:"decision"`          // Allowed, ExplicitlyDenied, ImplicitlyDenied
	Action   string `json:"action"`            // the IAM action evaluated, e.g. sts:AssumeRole
	Resource string `json:"resource"`          // the resource ARN evaluated
	Reason   string `json:"reason,omitempty"`  // machine-readable cause
	Summary  string `json:"summary,omitempty"` // one line for humans
}

// An Event is one audit record.
type Event struct {
	EventVersion      string         `json:"eventVersion"`
	EventTime         time.Time      `json:"eventTime"`
	EventSource       string         `json:"eventSource"` // sts.amazonaws.com, iam.amazonaws.com, ...
	EventName         string         `json:"eventName"`   // the API action
	AWSRegion         string         `json:"awsRegion,omitempty"`
	SourceIPAddress   string         `json:"sourceIPAddress,omitempty"`
	UserAgent         string         `json:"userAgent,omitempty"`
	UserIdentity      UserIdentity   `json:"userIdentity"`
	RequestParameters map[string]any `json:"requestParameters,omitempty"`
	ErrorCode         string         `json:"errorCode,omitempty"`
	ErrorMessage      string         `json:"errorMessage,omitempty"`
	RequestID         string         `json:"requestID"`
	Decision          *Decision      `json:"decision,omitempty"`
}

// A Record is what `trustbridge explain` prints: the event and, for a
// decision, the engine's full trace (JSON from policy.Result).
type Record struct {
	Event Event           `json:"event"`
	Trace json.RawMessage `json:"trace,omitempty"`
	// Text is the human rendering of the trace.
	Text string `json:"text,omitempty"`
}

// Log is the audit stream. It is safe for concurrent use.
type Log struct {
	mu  sync.Mutex
	w   *bufio.Writer
	out io.Writer
	st  store.Store
	ttl time.Duration
	log *slog.Logger

	stop chan struct{}
	done chan struct{}
}

// New returns an audit log writing JSON lines to out (nil: no stream) and
// keeping denial records in st (nil: none) for retention (0: default).
// It flushes buffered lines every 100 ms and on Close.
func New(out io.Writer, st store.Store, retention time.Duration, logger *slog.Logger) *Log {
	if retention == 0 {
		retention = DefaultRetention
	}
	if logger == nil {
		logger = slog.Default()
	}
	l := &Log{out: out, st: st, ttl: retention, log: logger, stop: make(chan struct{}), done: make(chan struct{})}
	if out != nil {
		l.w = bufio.NewWriterSize(out, 64<<10)
	}
	go l.flusher()
	return l
}

func (l *Log) flusher() {
	defer close(l.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.Flush()
		case <-l.stop:
			l.Flush()
			return
		}
	}
}

// Flush writes buffered events.
func (l *Log) Flush() {
	if l.w == nil {
		return
	}
	l.mu.Lock()
	_ = l.w.Flush()
	l.mu.Unlock()
}

// Close flushes and stops the log.
func (l *Log) Close() error {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	<-l.done
	return nil
}

// Writing reports whether Write sends events anywhere. Callers may skip
// building an event only Write would see when it does not.
func (l *Log) Writing() bool { return l != nil && l.w != nil }

// Write appends ev to the stream.
func (l *Log) Write(ev *Event) {
	if l.w == nil {
		return
	}
	if ev.EventVersion == "" {
		ev.EventVersion = "1.08"
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	l.mu.Lock()
	_, _ = l.w.Write(b)
	_ = l.w.WriteByte('\n')
	l.mu.Unlock()
}

// Keep stores rec under its request ID for explain. Failures are logged,
// not returned: auditing never fails a request.
func (l *Log) Keep(ctx context.Context, rec *Record) {
	if l.st == nil || rec.Event.RequestID == "" {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	if err := l.st.PutDecision(context.WithoutCancel(ctx), store.Decision{RequestID: rec.Event.RequestID, Data: b, Expires: time.Now().Add(l.ttl)}); err != nil {
		l.log.Warn("audit: keeping the explanation failed", "request_id", rec.Event.RequestID, "err", err)
	}
}

// Get returns the record kept for a request ID.
func (l *Log) Get(ctx context.Context, requestID string) (*Record, error) {
	d, err := l.st.GetDecision(ctx, requestID)
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(d.Data, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// secretParams are request parameters never written to the audit stream,
// compared case-insensitively.
var secretParams = []string{
	"WebIdentityToken", "SAMLAssertion", "TokenCode", "SecretAccessKey",
	"SessionToken", "Token", "Password", "EncodedMessage",
}

// Hidden replaces a secret parameter's value in an event, as in CloudTrail.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

func isSecretParam(k string) bool {
	for _, p := range secretParams {
		if strings.EqualFold(k, p) {
			return true
		}
	}
	return false
}

// Sanitize returns request parameters without secrets: secret-bearing
// parameters are replaced by "HIDDEN_DUE_TO_SECURITY_REASONS", as CloudTrail
// does, and SigV4 parameters are dropped.
func Sanitize(params map[string][]string) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		switch {
		case strings.EqualFold(k, "Action") || strings.EqualFold(k, "Version") || len(k) >= 6 && strings.EqualFold(k[:6], "X-Amz-"):
			continue
		case isSecretParam(k):
			out[k] = Hidden
		case len(v) == 1:
			out[k] = v[0]
		default:
			out[k] = v
		}
	}
	return out
}
