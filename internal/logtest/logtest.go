package logtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// MinSecretLen is the shortest secret Add accepts: shorter strings would
// match innocent text.
const MinSecretLen = 16

// fragmentLen is the length of the fragments of long secrets that are
// looked for on their own (a token cut to fit a line).
const fragmentLen = 24

// A Scanner holds the secrets to look for. The zero value is ready; it is
// not safe for concurrent use.
type Scanner struct {
	secrets []secret
}

type secret struct {
	what  string
	forms []form
}

type form struct {
	how, text string
}

// A Finding is one secret found in one text. It never holds the secret.
type Finding struct {
	// Where names the text ("server log", "audit log").
	Where string
	// What names the secret ("session token").
	What string
	// How says which form was found ("verbatim", "URL-encoded",
	// "fragment 2/3", ...).
	How string
	// Line is the 1-based line number of the first occurrence.
	Line int
}

func (f Finding) String() string {
	return fmt.Sprintf("%s line %d contains the %s (%s)", f.Where, f.Line, f.What, f.How)
}

// Add registers a secret under a name. The verbatim text, its URL query
// and JSON string encodings, and (for secrets longer than 2*fragmentLen)
// overlapping fragments of fragmentLen bytes, so that any piece of 36
// bytes or more is found, are looked for. It
// panics on a secret shorter than MinSecretLen (a test bug: a short
// string proves nothing).
func (s *Scanner) Add(what, text string) {
	if len(text) < MinSecretLen {
		panic(fmt.Sprintf("logtest: the %s is %d bytes, too short to scan for", what, len(text)))
	}
	sec := secret{what: what, forms: []form{{"verbatim", text}}}
	add := func(how, t string) {
		for _, f := range sec.forms {
			if f.text == t {
				return
			}
		}
		sec.forms = append(sec.forms, form{how, t})
	}
	add("URL-encoded", url.QueryEscape(text))
	if j, err := json.Marshal(text); err == nil {
		add("JSON-escaped", strings.Trim(string(j), `"`))
	}
	if len(text) > 2*fragmentLen {
		// Fragments every fragmentLen/2 bytes, and one at the end: any
		// substring of 1.5*fragmentLen bytes or more contains one.
		var starts []int
		for at := 0; at+fragmentLen <= len(text); at += fragmentLen / 2 {
			starts = append(starts, at)
		}
		if last := len(text) - fragmentLen; starts[len(starts)-1] != last {
			starts = append(starts, last)
		}
		for i, at := range starts {
			add(fmt.Sprintf("fragment %d/%d", i+1, len(starts)), text[at:at+fragmentLen])
		}
	}
	s.secrets = append(s.secrets, sec)
}

// AddJWT registers a compact JWS (a web identity or service account
// token): the whole token, and its signature on its own, and the
// signature's bytes in standard base64. The header and claims are not
// secret by themselves (logs may carry the issuer and subject).
func (s *Scanner) AddJWT(what, token string) {
	s.Add(what, token)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		panic("logtest: " + what + " is not a compact JWS")
	}
	s.Add(what+" signature", parts[2])
	if raw, err := base64.RawURLEncoding.DecodeString(parts[2]); err == nil {
		s.Add(what+" signature (standard base64)", base64.StdEncoding.EncodeToString(raw))
	}
}

// Len returns the number of registered secrets.
func (s *Scanner) Len() int { return len(s.secrets) }

// Scan returns every secret found in text, one finding per secret (its
// first form found), ordered by secret name.
func (s *Scanner) Scan(where, text string) []Finding {
	var out []Finding
	for _, sec := range s.secrets {
		for _, f := range sec.forms {
			if i := strings.Index(text, f.text); i >= 0 {
				out = append(out, Finding{Where: where, What: sec.what, How: f.how, Line: 1 + strings.Count(text[:i], "\n")})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].What < out[j].What })
	return out
}

// Check scans every text (by name) and reports each finding as a test
// error.
func (s *Scanner) Check(t testing.TB, texts map[string]string) {
	t.Helper()
	names := make([]string, 0, len(texts))
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, f := range s.Scan(n, texts[n]) {
			t.Error(f)
		}
	}
}
