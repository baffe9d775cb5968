package ascii

import "testing"

func TestFold(t *testing.T) {
	for _, c := range []struct {
		s, lower string
		equal    bool
	}{
		{"X-Amz-Date", "x-amz-date", true},
		{"x-amz-date", "x-amz-date", true},
		{"", "", true},
		{"Action", "action", true},
		{"x-amz-\u017fecurity-to\u212aen", "x-amz-security-token", false}, // ſ and K fold to s and k in Unicode, not here
		{"ÄB", "äb", false},
		{"abc", "abcd", false},
		{"@[`{", "@[`{", true}, // the bytes around the letter ranges are not letters
	} {
		if got := EqualLower(c.s, c.lower); got != c.equal {
			t.Errorf("EqualLower(%q, %q) = %v, want %v", c.s, c.lower, got, c.equal)
		}
		if c.equal {
			if got := LowerString(c.s); got != c.lower {
				t.Errorf("LowerString(%q) = %q, want %q", c.s, got, c.lower)
			}
		}
	}
	if got := LowerString("ÄBC"); got != "Äbc" {
		t.Errorf("LowerString touched a non-ASCII letter: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = LowerString("already-lower") }); n != 0 {
		t.Errorf("LowerString of a lower-case string allocates %v times", n)
	}
}
