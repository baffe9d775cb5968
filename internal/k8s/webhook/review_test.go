package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDecodeReview covers DecodeReview's answers for bad requests and the
// JSON semantics it promises: exact member names, duplicates and invalid
// UTF-8 rejected, unknown members ignored.
func TestDecodeReview(t *testing.T) {
	type review struct {
		Kind string `json:"kind"`
		Spec struct {
			Token string `json:"token"`
		} `json:"spec"`
	}
	for _, tt := range []struct {
		name, method, body string
		limit              int64
		code               int    // 0: decoded
		token              string // when decoded
	}{
		{name: "ok", body: `{"kind":"TokenReview","spec":{"token":"t"}}`, token: "t"},
		{name: "unknown members ignored", body: `{"kind":"TokenReview","metadata":{"creationTimestamp":null},"spec":{"token":"t","audiences":["a"]}}`, token: "t"},
		{name: "names match exactly", body: `{"kind":"TokenReview","Spec":{"Token":"t"}}`, token: ""},
		{name: "duplicate member", body: `{"kind":"TokenReview","spec":{"token":"a","token":"b"}}`, code: http.StatusBadRequest},
		{name: "duplicate object", body: `{"spec":{"token":"a"},"spec":{"token":"b"}}`, code: http.StatusBadRequest},
		{name: "invalid UTF-8", body: "{\"kind\":\"TokenReview\",\"spec\":{\"token\":\"\xff\"}}", code: http.StatusBadRequest},
		{name: "wrong type", body: `{"kind":"TokenReview","spec":{"token":1}}`, code: http.StatusBadRequest},
		{name: "not JSON", body: `kind=TokenReview`, code: http.StatusBadRequest},
		{name: "trailing data", body: `{"kind":"TokenReview"} {}`, code: http.StatusBadRequest},
		{name: "empty", body: ``, code: http.StatusBadRequest},
		{name: "too large", body: `{"kind":"TokenReview","spec":{"token":"` + strings.Repeat("a", 100) + `"}}`, limit: 64, code: http.StatusRequestEntityTooLarge},
		{name: "GET", method: http.MethodGet, body: `{}`, code: http.StatusMethodNotAllowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method, limit := tt.method, tt.limit
			if method == "" {
				method = http.MethodPost
			}
			if limit == 0 {
				limit = 1 << 10
			}
			rec := httptest.NewRecorder()
			var v review
			ok := DecodeReview(rec, httptest.NewRequest(method, "/authenticate", strings.NewReader(tt.body)), limit, "TokenReview", &v)
			if tt.code == 0 {
				if !ok {
					t.Fatalf("DecodeReview = false (%d %s), want decoded", rec.Code, rec.Body)
				}
				if v.Spec.Token != tt.token {
					t.Errorf("token = %q, want %q", v.Spec.Token, tt.token)
				}
				return
			}
			if ok || rec.Code != tt.code {
				t.Fatalf("DecodeReview = %v, HTTP %d %q; want false, HTTP %d", ok, rec.Code, rec.Body, tt.code)
			}
		})
	}
}

func TestWriteReview(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteReview(rec, map[string]any{"b": []string{"<x>"}, "a": true})
	if got, want := rec.Body.String(), `{"a":true,"b":["<x>"]}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}
