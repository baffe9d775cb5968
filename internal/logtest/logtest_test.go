package logtest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestScan(t *testing.T) {
	const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	token := strings.Repeat("IQoJb3JpZ2luX2VjE", 8) + "+/=="
	sig := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("signature-bytes!", 4)))
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0." + sig
	var s Scanner
	s.Add("secret key", secretKey)
	s.Add("session token", token)
	s.AddJWT("web identity token", jwt)
	if s.Len() != 5 {
		t.Fatalf("Len = %d, want 5", s.Len())
	}
	for _, tc := range []struct {
		name, text string
		want       []string // "what/how@line"
	}{
		{"clean", "level=INFO msg=request action=GetCallerIdentity\naccess_key=AKIAEXAMPLE", nil},
		{"verbatim on line 2", "a\nsecret=" + secretKey, []string{"secret key/verbatim@2"}},
		{"URL-encoded", "body=SecretAccessKey=wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY", []string{"secret key/URL-encoded@1"}},
		{"token cut short", "token=" + token[:40] + "...", []string{"session token/fragment@1"}},
		{"token end", "…" + token[len(token)-30:], []string{"session token/fragment@1"}},
		// Fragments overlap: the signature is also a fragment of the token,
		// and its standard base64 (no '-' or '_' here) starts the same way.
		{"JWT signature alone", `{"sig":"` + sig + `"}`, []string{"web identity token/fragment@1", "web identity token signature/verbatim@1", "web identity token signature (standard base64)/fragment@1"}},
		{"whole JWT", jwt, []string{"web identity token/verbatim@1", "web identity token signature/verbatim@1", "web identity token signature (standard base64)/fragment@1"}},
		{"JSON-escaped slash", `{"k":"wJalrXUtnFEMI\/K7MDENG\/bPxRfiCYEXAMPLEKEY"}`, nil}, // Go's JSON does not escape '/'
		{"JSON-escaped plus", `"` + strings.ReplaceAll(token, "+", `\u002b`) + `"`, []string{"session token/fragment@1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range s.Scan("log", tc.text) {
				how := f.How
				if strings.HasPrefix(how, "fragment ") {
					how = "fragment"
				}
				got = append(got, fmt.Sprintf("%s/%s@%d", f.What, how, f.Line))
				if strings.Contains(f.String(), secretKey) || strings.Contains(f.String(), token) {
					t.Errorf("the finding prints the secret: %s", f)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAnyLongPieceIsFound cuts every piece of 36 bytes out of a secret and
// expects each to be found, and no piece of 23 bytes.
func TestAnyLongPieceIsFound(t *testing.T) {
	secret := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz", 7)))
	var s Scanner
	s.Add("token", secret)
	for at := 0; at+36 <= len(secret); at++ {
		if len(s.Scan("log", "x"+secret[at:at+36]+"y")) != 1 {
			t.Fatalf("the 36 bytes at %d were not found", at)
		}
	}
	if f := s.Scan("log", secret[5:28]); len(f) != 0 {
		t.Errorf("a 23-byte piece matched: %v", f)
	}
}

func TestAddRejectsShortSecrets(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add accepted an 8-byte secret")
		}
	}()
	var s Scanner
	s.Add("short", "12345678")
}
