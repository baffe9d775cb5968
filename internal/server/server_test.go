package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/apierror"
	"github.com/trustbridge/trustbridge/internal/awsquery"
	"github.com/trustbridge/trustbridge/internal/server"
)

type record struct{ service, action, code string }

type recorder struct{ got []record }

func (r *recorder) Record(service, action, code string, status int, elapsed time.Duration) {
	r.got = append(r.got, record{service, action, code})
}

// restService names the operation after routing, as internal/eks and
// internal/eksauth do, unless the path is "/unknown".
type restService struct{}

func (restService) ServeREST(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/unknown" {
		w.Header().Set("x-amzn-ErrorType", "UnknownOperationException")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	server.SetAction(r.Context(), "DescribeThing")
	if server.RequestID(r.Context()) != "rid" {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

type denyAll struct{}

func (denyAll) Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (context.Context, error) {
	return ctx, &apierror.Error{Code: "InvalidClientTokenId", Message: "no", Status: http.StatusForbidden}
}

type discard struct{}

func (discard) Record(string, string, string, int, time.Duration) {}

func newServer(rec server.Recorder) *server.Server {
	sts := &awsquery.Service{Name: "sts", Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/"}
	sts.Register(&awsquery.Action{Name: "AssumeRoleWithWebIdentity", Unsigned: true, New: func() any { return &struct{}{} },
		Handle: func(context.Context, any) (any, error) { return nil, nil }})
	sts.Register(&awsquery.Action{Name: "GetCallerIdentity", New: func() any { return &struct{}{} },
		Handle: func(context.Context, any) (any, error) { return nil, nil }})
	s := server.New(server.Config{
		Query:        map[string]*awsquery.Service{"sts": sts},
		REST:         map[string]server.RESTService{"eks": restService{}},
		Auth:         denyAll{},
		NewRequestID: func() string { return "rid" },
		Recorder:     rec,
	})
	s.SetReady(true)
	return s
}

const scope = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/%s/aws4_request, SignedHeaders=host, Signature=00"

// TestRecordedLabels checks the service and action every kind of request
// is recorded with.
func TestRecordedLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		path   string
		scope  string
		form   url.Values
		want   record
	}{
		{"unsigned query action is labelled with its service", "POST", "/", "",
			url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}}, record{"sts", "AssumeRoleWithWebIdentity", ""}},
		{"unsigned call of a signed action", "POST", "/", "",
			url.Values{"Action": {"GetCallerIdentity"}}, record{"", "GetCallerIdentity", "MissingAuthenticationToken"}},
		{"unsigned unknown action", "POST", "/", "",
			url.Values{"Action": {"Nope"}}, record{"", "Nope", "InvalidAction"}},
		{"signed query action that fails authentication", "POST", "/", "sts",
			url.Values{"Action": {"GetCallerIdentity"}}, record{"sts", "GetCallerIdentity", "InvalidClientTokenId"}},
		{"REST operation named by the service", "GET", "/clusters/c", "eks", nil, record{"eks", "DescribeThing", ""}},
		{"REST request that names no operation", "GET", "/unknown", "eks", nil, record{"eks", "", "UnknownOperationException"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := newServer(rec)
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.form.Encode()))
			if tc.form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.scope != "" {
				req.Header.Set("Authorization", strings.Replace(scope, "%s", tc.scope, 1))
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if len(rec.got) != 1 || rec.got[0] != tc.want {
				t.Fatalf("recorded %+v, want [%+v] (status %d, body %s)", rec.got, tc.want, w.Code, w.Body)
			}
		})
	}
}

func TestActionContext(t *testing.T) {
	server.SetAction(context.Background(), "Ignored") // no holder: no-op, no panic
	if got := server.Action(context.Background()); got != "" {
		t.Errorf("Action of a bare context = %q", got)
	}
	ctx := server.WithRequestID(context.Background(), "id-1")
	if got := server.Action(ctx); got != "" {
		t.Errorf("Action before SetAction = %q", got)
	}
	server.SetAction(ctx, "ListClusters")
	server.SetAction(ctx, "DescribeCluster")
	if got, id := server.Action(ctx), server.RequestID(ctx); got != "DescribeCluster" || id != "id-1" {
		t.Errorf("Action, RequestID = %q, %q; want DescribeCluster, id-1", got, id)
	}
	if n := testing.AllocsPerRun(100, func() { server.SetAction(ctx, "DescribeCluster") }); n != 0 {
		t.Errorf("SetAction allocates %v times", n)
	}
}

// BenchmarkServeREST measures the edge's own cost around a REST service
// (request context, status capture, recording).
func BenchmarkServeREST(b *testing.B) {
	s := newServer(discard{})
	req := httptest.NewRequest("GET", "/clusters/c", nil)
	req.Header.Set("Authorization", strings.Replace(scope, "%s", "eks", 1))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		s.ServeHTTP(w, req)
	}
}
