package postgres

import (
	"strconv"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE x = ? AND y = ?", "SELECT a FROM t WHERE x = $1 AND y = $2"},
		{"(a, b) > (?, ?) LIMIT ?", "(a, b) > ($1, $2) LIMIT $3"},
	}
	for _, tc := range tests {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("cached rebind(%q) = %q", tc.in, got)
		}
	}
}

func FuzzRebind(f *testing.F) {
	f.Add("SELECT ? FROM t WHERE a = ?")
	f.Add("???")
	f.Add("no placeholders")
	f.Fuzz(func(t *testing.T, q string) {
		if strings.ContainsAny(q, "$0123456789") {
			return // keeps the inverse below unambiguous; the store's SQL has no $
		}
		out := rebind(q)
		n := strings.Count(q, "?")
		if strings.Contains(out, "?") {
			t.Fatalf("rebind(%q) = %q still has a ?", q, out)
		}
		// Undo the numbering: it must give back the input.
		back := out
		for i := n; i >= 1; i-- {
			back = strings.ReplaceAll(back, "$"+strconv.Itoa(i), "?")
		}
		if back != q {
			t.Fatalf("rebind(%q) = %q does not number placeholders in order", q, out)
		}
	})
}
