package sqlstore

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trustbridge/trustbridge/internal/store"
)

// fold returns the case-insensitive key of an IAM name: ASCII letters
// lowered, every other byte unchanged (IAM names are ASCII; folding only
// ASCII keeps the key identical in Go, SQLite and PostgreSQL, whatever
// their Unicode tables).
func fold(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return name
}

// Times are stored as Unix nanoseconds; 0 is the zero time.

func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromTS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Maps and lists are stored as JSON text.

func encodeTags(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map[string]string always marshals
	return string(b)
}

func decodeTags(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("store: decode stored tags: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func encodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func decodeList(s string) ([]string, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("store: decode stored list: %w", err)
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}

func cloneTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func cloneList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return append([]string(nil), l...)
}

func tagsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func listEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// defaultPath returns "/" for an empty path.
func defaultPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// Policy version IDs are "v" and a positive decimal number without
// leading zeros.

func parseVersionID(id string) (int64, bool) {
	if len(id) < 2 || id[0] != 'v' || id[1] == '0' {
		return 0, false
	}
	for i := 1; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(id[1:], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

func versionID(n int64) string { return "v" + strconv.FormatInt(n, 10) }

// Markers are the sort key of the last item of a page: base64url of a JSON
// array of strings.

func encodeMarker(parts ...string) string {
	b, _ := json.Marshal(parts)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeMarker(m string, n int) ([]string, error) {
	bad := &store.Error{Err: store.ErrInvalid, Detail: "malformed marker"}
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return nil, bad
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != n {
		return nil, bad
	}
	return parts, nil
}

// A pager turns a store.Page into SQL and cuts the result.
type pager struct {
	limit int
	// after is the decoded marker, nil on the first page.
	after []string
}

func newPager(p store.Page, nkeys int) (pager, error) {
	pg := pager{limit: p.Limit}
	if pg.limit < 0 {
		return pager{}, &store.Error{Err: store.ErrInvalid, Detail: "negative limit"}
	}
	if pg.limit == 0 {
		pg.limit = store.DefaultLimit
	}
	if p.Marker != "" {
		after, err := decodeMarker(p.Marker, nkeys)
		if err != nil {
			return pager{}, err
		}
		pg.after = after
	}
	return pg, nil
}

// where appends "AND (cols...) > (?...)" for the marker to q and its
// arguments to args.
func (pg pager) where(q *strings.Builder, args *[]any, cols ...string) {
	if pg.after == nil {
		return
	}
	q.WriteString(" AND (")
	q.WriteString(strings.Join(cols, ", "))
	q.WriteString(") > (")
	for i := range cols {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("?")
		*args = append(*args, pg.after[i])
	}
	q.WriteString(")")
}

// orderLimit appends the ORDER BY and a LIMIT one past the page size.
func (pg pager) orderLimit(q *strings.Builder, args *[]any, cols ...string) {
	q.WriteString(" ORDER BY ")
	q.WriteString(strings.Join(cols, ", "))
	q.WriteString(" LIMIT ?")
	*args = append(*args, pg.limit+1)
}

// cut trims items to the page size and returns the next marker.
func cut[T any](pg pager, items []T, key func(T) []string) ([]T, string) {
	if len(items) <= pg.limit {
		return items, ""
	}
	items = items[:pg.limit]
	return items, encodeMarker(key(items[len(items)-1])...)
}

// pathPrefix appends the IAM path prefix filter on col.
func pathPrefix(q *strings.Builder, args *[]any, col, prefix string) {
	if prefix == "" || prefix == "/" {
		return
	}
	fmt.Fprintf(q, " AND substr(%s, 1, ?) = ?", col)
	*args = append(*args, utf8.RuneCountInString(prefix), prefix)
}
