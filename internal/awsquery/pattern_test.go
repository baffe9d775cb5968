package awsquery

import (
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// modelPatterns returns every pattern the generated STS and IAM models
// pass to Pattern.
func modelPatterns(t testing.TB) []string {
	t.Helper()
	arg := regexp.MustCompile(`awsquery\.Pattern\(("(?:[^"\\]|\\.)*")\)`)
	seen := map[string]bool{}
	var out []string
	for _, f := range []string{"../sts/model_gen.go", "../iam/model_gen.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range arg.FindAllStringSubmatch(string(b), -1) {
			p, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatal(err)
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d model patterns", len(out))
	}
	return out
}

var patternAlphabet = []string{
	"a", "Z", "0", "_", "+", "=", ",", ".", "@", "-", "/", ":", " ", "\t", "\n", "\r", "\x00", "\x7f", "*", "?", "\"", "{",
	"é", "ü", "\u0085", "\u00a0", "\u2028", "\ufffd", "\U0001F600", "\xff", "\xc3", "\ud7ff", "\ue000",
}

func randomValue(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(8); n > 0; n-- {
		b.WriteString(patternAlphabet[r.IntN(len(patternAlphabet))])
	}
	return b.String()
}

// The class fast path answers exactly as the regexp does, for every
// pattern of the models it applies to.
func TestMatcherAgreesWithRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fast := 0
	for _, p := range append(modelPatterns(t), `[a-z]*[0-9]*`, `x+`, `[\w]+|y`, `(?i)[a-c]*`, `[^/]*`) {
		m := Pattern(p)
		if m == nil {
			continue
		}
		if m.class != nil {
			fast++
		}
		re := regexp.MustCompile(`^(?:` + p + `)$`)
		for i := 0; i < 2000; i++ {
			v := randomValue(r)
			if got, want := m.MatchString(v), re.MatchString(v); got != want {
				t.Fatalf("pattern %q, value %q: matcher %v, regexp %v", p, v, got, want)
			}
		}
	}
	if fast == 0 {
		t.Fatal("no pattern took the fast path")
	}
	for _, p := range []string{`[a-z]*[0-9]*`, `x+`, `[\w]+|y`} {
		if Pattern(p).class != nil {
			t.Errorf("%q: took the class fast path, which it is not", p)
		}
	}
}

func FuzzMatcher(f *testing.F) {
	for _, s := range []string{"", "abc", "a b", "\xff", "é", "arn:aws:iam::111111111111:role/x"} {
		f.Add(s)
	}
	patterns := modelPatterns(f)
	f.Fuzz(func(t *testing.T, v string) {
		for _, p := range patterns {
			m := Pattern(p)
			if m == nil {
				continue
			}
			if got, want := m.MatchString(v), m.re.MatchString(v); got != want {
				t.Fatalf("pattern %q, value %q: matcher %v, regexp %v", p, v, got, want)
			}
		}
	})
}

func BenchmarkPatternARN(b *testing.B) {
	m := Pattern(`[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{0085}\x{00A0}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]+`)
	v := "arn:aws:iam::111111111111:role/some/path/bench-role"
	b.Run("class", func(b *testing.B) {
		for b.Loop() {
			m.MatchString(v)
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			m.re.MatchString(v)
		}
	})
}
