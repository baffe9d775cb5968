package sqlstore

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/store"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"MyRole", "myrole"},
		{"already-lower_+=,.@", "already-lower_+=,.@"},
		{"ÄBC", "Äbc"},       // only ASCII letters fold
		{"\u212a", "\u212a"}, // KELVIN SIGN stays (Unicode would fold it to k)
		{"A\x00Z", "a\x00z"},
	}
	for _, tc := range tests {
		if got := fold(tc.in); got != tc.want {
			t.Errorf("fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVersionID(t *testing.T) {
	tests := []struct {
		in   string
		n    int64
		okay bool
	}{
		{"v1", 1, true},
		{"v12", 12, true},
		{"v0", 0, false},
		{"v01", 0, false},
		{"V1", 0, false},
		{"v", 0, false},
		{"1", 0, false},
		{"v-1", 0, false},
		{"v+1", 0, false},
		{"v1 ", 0, false},
		{"v99999999999999999999", 0, false},
	}
	for _, tc := range tests {
		n, ok := parseVersionID(tc.in)
		if n != tc.n || ok != tc.okay {
			t.Errorf("parseVersionID(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.okay)
		}
		if ok && versionID(n) != tc.in {
			t.Errorf("versionID(%d) = %q", n, versionID(n))
		}
	}
}

func TestTimes(t *testing.T) {
	if ts(time.Time{}) != 0 || !fromTS(0).IsZero() {
		t.Fatal("the zero time must round-trip as 0")
	}
	loc := time.FixedZone("x", 3600)
	in := time.Date(2030, 1, 2, 3, 4, 5, 6, loc)
	out := fromTS(ts(in))
	if !out.Equal(in) || out.Location() != time.UTC {
		t.Fatalf("round trip: %v -> %v", in, out)
	}
}

func TestPager(t *testing.T) {
	tests := []struct {
		name    string
		page    store.Page
		keys    int
		limit   int
		after   []string
		wantErr bool
	}{
		{"default", store.Page{}, 1, store.DefaultLimit, nil, false},
		{"limit", store.Page{Limit: 3}, 1, 3, nil, false},
		{"negative", store.Page{Limit: -1}, 1, 0, nil, true},
		{"marker", store.Page{Marker: encodeMarker("a", "b")}, 2, store.DefaultLimit, []string{"a", "b"}, false},
		{"marker with the wrong arity", store.Page{Marker: encodeMarker("a")}, 2, 0, nil, true},
		{"not base64", store.Page{Marker: "***"}, 1, 0, nil, true},
		{"not JSON", store.Page{Marker: "bm9wZQ"}, 1, 0, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pg, err := newPager(tc.page, tc.keys)
			if tc.wantErr {
				if !errors.Is(err, store.ErrInvalid) {
					t.Fatalf("error = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pg.limit != tc.limit || !reflect.DeepEqual(pg.after, tc.after) {
				t.Fatalf("pager = %+v", pg)
			}
		})
	}
	pg := pager{limit: 2}
	items, next := cut(pg, []string{"a", "b", "c"}, func(s string) []string { return []string{s} })
	if len(items) != 2 || next != encodeMarker("b") {
		t.Fatalf("cut = %v, %q", items, next)
	}
	items, next = cut(pg, []string{"a", "b"}, func(s string) []string { return []string{s} })
	if len(items) != 2 || next != "" {
		t.Fatalf("cut of a full last page = %v, %q", items, next)
	}
}

func TestPathPrefix(t *testing.T) {
	var q strings.Builder
	var args []any
	pathPrefix(&q, &args, "path", "/")
	pathPrefix(&q, &args, "path", "")
	if q.Len() != 0 || len(args) != 0 {
		t.Fatal(`"/" and "" must not filter`)
	}
	pathPrefix(&q, &args, "p.path", "/é/")
	if q.String() != " AND substr(p.path, 1, ?) = ?" || !reflect.DeepEqual(args, []any{3, "/é/"}) {
		t.Fatalf("filter = %q %v", q.String(), args)
	}
}

func TestLoadMigrations(t *testing.T) {
	good := fstest.MapFS{
		"0002_second.sql": {Data: []byte("B")},
		"0001_first.sql":  {Data: []byte("A")},
		"README.md":       {Data: []byte("ignored")},
	}
	ms, err := LoadMigrations(good)
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{1, "first", "A"}, {2, "second", "B"}}
	if !reflect.DeepEqual(ms, want) {
		t.Fatalf("migrations = %+v", ms)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no version":   {"first.sql": {}},
		"zero version": {"0000_zero.sql": {}},
		"duplicate":    {"0001_a.sql": {}, "1_b.sql": {}},
		"not a number": {"x1_a.sql": {}},
		"negative":     {"-1_a.sql": {}},
	} {
		if _, err := LoadMigrations(fsys); err == nil {
			t.Errorf("%s: LoadMigrations succeeded", name)
		}
	}
}

func FuzzMarker(f *testing.F) {
	f.Add(encodeMarker("a"), 1)
	f.Add(encodeMarker("name", "111122223333"), 2)
	f.Add(encodeMarker("role", "1", "x\x00y"), 3)
	f.Add("", 1)
	f.Add("W10", 0)
	f.Fuzz(func(t *testing.T, m string, n int) {
		if n < 0 || n > 8 {
			return
		}
		parts, err := decodeMarker(m, n)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("decode error %v is not ErrInvalid", err)
			}
			return
		}
		if len(parts) != n {
			t.Fatalf("decoded %d parts, want %d", len(parts), n)
		}
		again, err := decodeMarker(encodeMarker(parts...), n)
		if err != nil || !reflect.DeepEqual(again, parts) {
			t.Fatalf("re-encoded marker decodes to %q, %v; want %q", again, err, parts)
		}
	})
}

func FuzzVersionID(f *testing.F) {
	for _, s := range []string{"v1", "v10", "v0", "v01", "x", "v9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseVersionID(s)
		if !ok {
			return
		}
		if n <= 0 || versionID(n) != s {
			t.Fatalf("parseVersionID(%q) = %d but versionID gives %q", s, n, versionID(n))
		}
	})
}

func FuzzStoredJSON(f *testing.F) {
	f.Add(`{"a":"b"}`)
	f.Add(`["x","y"]`)
	f.Add(`{}`)
	f.Add(`[]`)
	f.Add(`{"a":1}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, s string) {
		if m, err := decodeTags(s); err == nil {
			back, err := decodeTags(encodeTags(m))
			if err != nil || !reflect.DeepEqual(back, m) {
				t.Fatalf("tags %q: round trip %v, %v", s, back, err)
			}
		}
		if l, err := decodeList(s); err == nil {
			back, err := decodeList(encodeList(l))
			if err != nil || !reflect.DeepEqual(back, l) {
				t.Fatalf("list %q: round trip %v, %v", s, back, err)
			}
		}
	})
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"MyRole", "abc", "ÄÖÜ", "\u212a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := fold(s)
		if len(k) != len(s) || fold(k) != k || fold(strings.ToUpper(k)) != fold(strings.ToUpper(s)) {
			t.Fatalf("fold(%q) = %q", s, k)
		}
		if utf8.ValidString(s) != utf8.ValidString(k) {
			t.Fatalf("fold changed UTF-8 validity of %q", s)
		}
		isASCII := true
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				isASCII = false
			}
		}
		if isASCII && k != strings.ToLower(s) {
			t.Fatalf("fold(%q) = %q, want strings.ToLower", s, k)
		}
	})
}
