// Package ascii folds the case of ASCII letters only. AWS compares names
// (condition keys, query parameters, service prefixes) case-insensitively
// in ASCII: no non-ASCII letter, such as the Kelvin sign K or the long s ſ,
// ever matches an ASCII one, as strings.EqualFold would let it.
//
// The functions allocate nothing unless a result must differ from the
// input, and do no I/O.
package ascii

// Lower returns c lower-cased if it is an ASCII capital letter, else c.
func Lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// LowerString returns s with its ASCII capital letters lower-cased. It
// returns s itself, without allocating, when there are none.
func LowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = Lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

// EqualLower reports whether s equals lower once s's ASCII letters are
// lower-cased. lower must already be lower case.
func EqualLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if Lower(s[i]) != lower[i] {
			return false
		}
	}
	return true
}
