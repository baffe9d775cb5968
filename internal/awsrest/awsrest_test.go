package awsrest

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trustbridge/trustbridge/internal/apierror"
)

func TestWriteError(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, "r1", apierror.SignatureDoesNotMatch(""), false)
	if rec.Code != 403 || rec.Header().Get("x-amzn-ErrorType") != "InvalidSignatureException" || !strings.Contains(rec.Body.String(), `"message":"The request signature we calculated`) {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = httptest.NewRecorder()
	WriteError(rec, "r1", errors.New("secret detail"), false)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	WriteError(rec, "r1", &apierror.Error{Code: "ResourceNotFoundException", Message: "No cluster found for name: x.", Status: 404, Fields: map[string]string{"clusterName": "x"}}, false)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"clusterName":"x"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestReadJSON(t *testing.T) {
	var v struct{ Token string }
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"token":"abc","extra":1}`))
	if err := ReadJSON(r, &v); err != nil || v.Token != "abc" {
		t.Fatalf("%v %+v", err, v)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"token":`))
	if err := ReadJSON(r, &v); err == nil {
		t.Fatal("bad JSON accepted")
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"token":"`+strings.Repeat("a", MaxBodyBytes)+`"}`))
	if err := ReadJSON(r, &v); err == nil {
		t.Fatal("huge body accepted")
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(``))
	if err := ReadJSON(r, &v); err != nil {
		t.Fatal(err)
	}
}
