package sigv4

import (
	"net/http"
	"testing"
)

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, raw string
		presigned bool
		want      string
	}{
		{"empty", "", false, ""},
		{"sorted by key then value", "b=2&a=2&a=10&a=1", false, "a=1&a=10&a=2&b=2"},
		{"sort after encoding", "k=a-b&k=a%2Fb", false, "k=a%2Fb&k=a-b"},
		{"plus is a space", "a=b+c&d=%2B", false, "a=b%20c&d=%2B"},
		{"unreserved left alone", "a=%41%7E-_.~", false, "a=A~-_.~"},
		{"reserved encoded", "a=:/?#[]@!$'()*,;", false, "a=%3A%2F%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B"},
		{"no value", "a&b=", false, "a=&b="},
		{"empty pairs skipped", "&&a=1&", false, "a=1"},
		{"equals in value", "a=b=c", false, "a=b%3Dc"},
		{"utf-8", "k=%E2%9C%93", false, "k=%E2%9C%93"},
		{"raw utf-8", "k=\u2713", false, "k=%E2%9C%93"},
		{"lower-case escapes", "k=%2f", false, "k=%2F"},
		{"invalid escape kept", "k=%zz&l=%4", false, "k=%25zz&l=%254"},
		{"signature kept in header form", "X-Amz-Signature=abc&a=1", false, "X-Amz-Signature=abc&a=1"},
		{"signature dropped when presigned", "X-Amz-Signature=abc&a=1", true, "a=1"},
		{"encoded key", "X-Amz-%53ignature=abc&a=1", true, "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendCanonicalQuery(nil, tt.raw, tt.presigned)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizePath(t *testing.T) {
	// Expectations are botocore.utils.normalize_url_path's.
	tests := map[string]string{
		"":                "/",
		"/":               "/",
		"//":              "/",
		"/a/b":            "/a/b",
		"/a/b/":           "/a/b/",
		"/a//b":           "/a/b",
		"/a/./b":          "/a/b",
		"/a/../b":         "/b",
		"/..":             "/",
		"/../..":          "/",
		"/a/..":           "/",
		"/a/b/..":         "/a",
		"/a/b/../":        "/a/",
		"/a/./b/../c//d/": "/a/c/d/",
		"/.a/..b/...":     "/.a/..b/...",
		"a/b":             "a/b",
		"./a":             "a",
	}
	for in, want := range tests {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := map[string]string{
		"/":                    "/",
		"/clusters/demo":       "/clusters/demo",
		"/a%20b":               "/a%2520b",
		"/a b":                 "/a%20b",
		"/c%3Ad/e:f":           "/c%253Ad/e%3Af",
		"/~x/%7Ey":             "/~x/%257Ey",
		"/%E2%9C%93":           "/%25E2%259C%2593",
		"/arn%3Aaws%3Aiam%2Fr": "/arn%253Aaws%253Aiam%252Fr",
	}
	for in, want := range tests {
		if got := string(appendEncoded(nil, normalizePath(in), true)); got != want {
			t.Errorf("canonical URI of %q = %q, want %q", in, got, want)
		}
	}
}

func TestRawPath(t *testing.T) {
	tests := []struct {
		requestURI, url, want string
	}{
		{"/a%2Fb?x=1", "http://h/ignored", "/a%2Fb"},
		{"http://proxy.example/a/b?x", "http://h/ignored", "/a/b"},
		{"http://proxy.example", "http://h/ignored", ""},
		{"", "http://h/a%20b/c", "/a%20b/c"},
		{"", "http://h", ""},
		{"*", "http://h/x", "/x"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", tt.url, nil)
		r.RequestURI = tt.requestURI
		if got := rawPath(r); got != tt.want {
			t.Errorf("rawPath(%q, %q) = %q, want %q", tt.requestURI, tt.url, got, tt.want)
		}
	}
	r, _ := http.NewRequest("GET", "http://h/", nil)
	r.URL.Opaque = "//h/op%20aque"
	if got := rawPath(r); got != "/op%20aque" {
		t.Errorf("opaque: %q", got)
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r, _ := http.NewRequest("POST", "http://example.com:8080/", nil)
	r.Header.Set("X-Amz-Date", "20260101T000000Z")
	r.Header["x-lower-only"] = []string{"  v  "}
	r.Header.Add("X-Multi", "  one   two  ")
	r.Header.Add("X-Multi", "\tthree\t\tfour ")
	r.Header.Set("X-Empty", "")
	r.ContentLength = 42
	got := string(appendCanonicalHeaders(nil, r, []string{"content-length", "host", "x-amz-date", "x-empty", "x-lower-only", "x-missing", "x-multi"}))
	want := "content-length:42\nhost:example.com:8080\nx-amz-date:20260101T000000Z\nx-empty:\nx-lower-only:v\nx-missing:\nx-multi:one two,three four\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	r.Host = "other.example"
	if got := string(appendCanonicalHeaders(nil, r, []string{"Host"})); got != "Host:other.example\n" {
		t.Fatalf("Host: %q", got)
	}
}

func TestQueryUnescape(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a+b": "a b", "%41": "A", "%": "%", "%4": "%4", "%4g": "%4g", "%%41": "%A", "%e2%9c%93": "\u2713"} {
		if got := queryUnescape(in); got != want {
			t.Errorf("queryUnescape(%q) = %q, want %q", in, got, want)
		}
	}
}
