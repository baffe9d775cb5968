package sigv4

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

// The AWS documentation's example credentials.
const (
	testAKID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	// A session token with every character class AWS tokens and
	// trustbridge tokens use.
	testToken = "IQoJb3JpZ2luX2VjEHQaCXVzLWVhc3QtMSJHMEUCIQD+/abc==tb_-x"
)

// captured is a request a test server received, with its body.
type captured struct {
	req  *http.Request
	body []byte
	at   time.Time
}

// recorder is an httptest server that records every request and answers
// with respond (or 200 and an empty body).
type recorder struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []*captured
	respond func(w http.ResponseWriter, r *http.Request)
}

func newRecorder(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	rec := &recorder{respond: respond}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c := &captured{req: r.Clone(context.Background()), body: body, at: time.Now()}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, c)
		rec.mu.Unlock()
		if rec.respond != nil {
			rec.respond(w, r)
		}
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) all() []*captured {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]*captured(nil), rec.reqs...)
}

func (rec *recorder) byCase() map[string]*captured {
	m := map[string]*captured{}
	for _, c := range rec.all() {
		m[c.req.Header.Get("X-Test-Case")] = c
	}
	return m
}

// verifyRequest runs the whole server-side check of r.
func verifyRequest(r *http.Request, body []byte, secret, service string, now time.Time) (*Auth, error) {
	a, err := Parse(r)
	if err != nil {
		return nil, err
	}
	v := NewVerifier()
	if err := v.Check(a, service, now); err != nil {
		return a, err
	}
	return a, v.Verify(r, a, secret, PayloadHash(body))
}

// errCode returns the *apierror.Error code of err, or "" / "not apierror".
func errCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := apierror.As(err); ok {
		return e.Code
	}
	return "not apierror: " + err.Error()
}

func errMessage(err error) string {
	if e, ok := apierror.As(err); ok {
		return e.Message
	}
	return ""
}

func explanation(err error) string {
	if e, ok := apierror.As(err); ok {
		return e.Explanation
	}
	return ""
}

func apiErr(err error) (*apierror.Error, bool) { return apierror.As(err) }
