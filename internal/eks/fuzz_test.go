package eks

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/server"
)

// FuzzServeREST sends arbitrary methods, paths, queries and bodies as the
// account root (allowed everything): the service never panics, never
// fails with a 500, and always answers AWS's JSON.
func FuzzServeREST(f *testing.F) {
	e := newEnv(f)
	e.createCluster("demo", nil)
	p := url.PathEscape("arn:aws:iam::" + acct + ":user/u")
	for _, s := range []struct{ method, path, query, body string }{
		{"POST", "/clusters", "", `{"name":"c2","roleArn":"r","resourcesVpcConfig":{},"trustbridge":{"certificateAuthority":"x"}}`},
		{"GET", "/clusters", "maxResults=1&nextToken=abc", ""},
		{"GET", "/clusters/demo", "", ""},
		{"POST", "/clusters/demo/access-entries", "", `{"principalArn":"arn:aws:iam::111122223333:user/u","kubernetesGroups":["g"],"type":"STANDARD"}`},
		{"POST", "/clusters/demo/access-entries/" + p + "/access-policies", "", `{"policyArn":"arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy","accessScope":{"type":"namespace","namespaces":["a*"]}}`},
		{"GET", "/clusters/demo/access-entries", "associatedPolicyArn=x&maxResults=100", ""},
		{"POST", "/clusters/demo/pod-identity-associations", "", `{"namespace":"n","serviceAccount":"s","roleArn":"arn:aws:iam::111122223333:role/pod-role","tags":{"a":"b"}}`},
		{"GET", "/clusters/demo/pod-identity-associations", "namespace=n&nextToken=%00", ""},
		{"POST", "/clusters/demo/pod-identity-associations/a-1", "", `{"roleArn":null,"targetRoleArn":""}`},
		{"DELETE", "/clusters/demo/access-entries/" + p + "/access-policies/x", "", ""},
		{"GET", "/access-policies", "nextToken=QQ", ""},
		{"PATCH", "/clusters", "", "{"},
	} {
		f.Add(s.method, s.path, s.query, s.body)
	}
	f.Fuzz(func(t *testing.T, method, p, query, body string) {
		switch method {
		case "GET", "POST", "DELETE", "PUT", "PATCH":
		default:
			return
		}
		if !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsAny(p, "?#") || strings.ContainsRune(query, '#') {
			return // not what an HTTP client sends (ServeMux redirects unclean paths)
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = p, "", query
		req.Header.Set("X-Test-Caller", "root")
		req = req.WithContext(server.WithRequestID(req.Context(), "fuzz"))
		rec := httptest.NewRecorder()
		e.svc.ServeREST(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: status %d %s", method, p, query, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("not JSON: %q", rec.Body)
		}
	})
}

// FuzzNormalizeCA: accepted input always yields base64 of PEM that
// CertificateData leaves alone.
func FuzzNormalizeCA(f *testing.F) {
	f.Add(testCA)
	f.Add("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t")
	f.Add("   ")
	f.Add("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := normalizeCA(s)
		if !ok || out == "" {
			return
		}
		if CertificateData(out) != out {
			t.Fatalf("stored CA %q is not kept by CertificateData", out)
		}
		if again, ok := normalizeCA(out); !ok || again != out {
			t.Fatalf("normalizeCA is not idempotent: %q -> %q", out, again)
		}
	})
}

// FuzzPaginate: tokens never panic, pages stay in bounds, and following
// the tokens visits every key once.
func FuzzPaginate(f *testing.F) {
	f.Add("", 1)
	f.Add("QW1hem9uRUtTVmlld1BvbGljeQ", 3)
	f.Add("!!", 100)
	f.Fuzz(func(t *testing.T, token string, limit int) {
		if limit < 1 || limit > maxResultsLimit {
			return
		}
		from, to, _, ok := paginate(AccessPolicyNames, token, limit)
		if ok && (from < 0 || to > len(AccessPolicyNames) || from > to || to-from > limit) {
			t.Fatalf("page [%d,%d) for %q", from, to, token)
		}
		var seen []string
		tok := ""
		for i := 0; i <= len(AccessPolicyNames); i++ {
			from, to, next, ok := paginate(AccessPolicyNames, tok, limit)
			if !ok {
				t.Fatalf("own token %q refused", tok)
			}
			seen = append(seen, AccessPolicyNames[from:to]...)
			if tok = next; tok == "" {
				break
			}
		}
		if strings.Join(seen, ",") != strings.Join(AccessPolicyNames, ",") {
			t.Fatalf("limit %d visited %v", limit, seen)
		}
	})
}

// FuzzEpoch: timestamps round-trip at millisecond precision.
func FuzzEpoch(f *testing.F) {
	f.Add(int64(1700000000123))
	f.Add(int64(0))
	f.Add(int64(-1))
	f.Fuzz(func(t *testing.T, ms int64) {
		if ms < -1e15 || ms > 1e15 || ms == math.MinInt64 {
			return
		}
		in := time.UnixMilli(ms).UTC()
		b, err := Epoch(in).MarshalJSON()
		if err != nil || !json.Valid(b) {
			t.Fatalf("%d: %s %v", ms, b, err)
		}
		var out Epoch
		if err := out.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		if d := time.Time(out).Sub(in); d > time.Millisecond || d < -time.Millisecond {
			t.Fatalf("%d: %s read back as %v", ms, b, time.Time(out))
		}
	})
}

// FuzzParsePrincipal: accepted principals are IAM users or roles of a
// 12-digit account whose access entry ARN names them.
func FuzzParsePrincipal(f *testing.F) {
	f.Add("arn:aws:iam::111122223333:role/a/b")
	f.Add("arn:aws:iam::111122223333:user/u")
	f.Add("arn:aws:iam::111122223333:role//x")
	f.Add("arn:aws:iam::111122223333:root")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePrincipal("aws", s)
		if !ok {
			return
		}
		kind := "user"
		if p.role {
			kind = "role"
		}
		if !strings.HasPrefix(s, "arn:aws:iam::"+p.account+":"+kind+"/") || len(p.account) != 12 {
			t.Fatalf("accepted %q as %+v", s, p)
		}
	})
}
