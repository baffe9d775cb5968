package sessiontoken

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trustbridge/trustbridge/internal/serverkey"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newRing(t testing.TB) *serverkey.Ring {
	t.Helper()
	r, err := serverkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fullSession sets every field.
func fullSession() *Session {
	return &Session{
		AccessKeyID:         "ASIAQNZGKIQY56JQ7WML",
		SecretAccessKey:     secret,
		Account:             "123456789012",
		Type:                TypeAssumeRoleWithWebIdentity,
		PrincipalARN:        "arn:aws:sts::123456789012:assumed-role/local-account-access/remote-sts-test",
		RoleARN:             "arn:aws:iam::123456789012:role/teams/local-account-access",
		RoleID:              "AROA3XFRBF535PLBIFPI4",
		UserID:              "",
		SessionName:         "remote-sts-test",
		IssuedAt:            t0,
		Expiration:          t0.Add(time.Hour),
		SessionPolicy:       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`,
		SessionPolicyARNs:   []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/p"},
		Tags:                []Tag{{"kubernetes-namespace", "cross-account-sts"}, {"empty", ""}, {"ünïcode", "välue"}},
		TransitiveTagKeys:   []string{"kubernetes-namespace"},
		SourceIdentity:      "alice",
		ChainDepth:          2,
		MFAAuthenticated:    true,
		MFAAuthTime:         t0.Add(-time.Minute),
		SourceAccessKeyID:   "AKIAIOSFODNN7EXAMPLE",
		SourcePrincipalARN:  "arn:aws:iam::123456789012:user/UserOne",
		FederatedProvider:   "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC",
		WebIdentitySubject:  "system:serviceaccount:cross-account-sts:local-access",
		WebIdentityAudience: "sts.amazonaws.com",
		Context:             []Tag{{"oidc.eks.us-west-2.amazonaws.com/id/ABC:amr", "x"}},
	}
}

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func TestRoundTrip(t *testing.T) {
	ring := newRing(t)
	minimal := &Session{AccessKeyID: "ASIAX", SecretAccessKey: "s", Type: TypeGetSessionToken, Expiration: t0.Add(time.Hour)}
	subSecond := fullSession()
	subSecond.IssuedAt = t0.Add(300 * time.Millisecond)
	subSecond.Expiration = t0.Add(time.Hour + 999*time.Millisecond).In(time.FixedZone("x", 3600))
	for name, s := range map[string]*Session{"full": fullSession(), "minimal": minimal, "sub-second times": subSecond} {
		t.Run(name, func(t *testing.T) {
			tok, err := Seal(ring, s)
			if err != nil {
				t.Fatal(err)
			}
			if !tokenRE.MatchString(tok) || len(tok) > MaxTokenLength {
				t.Fatalf("token %q is not unpadded base64url", tok)
			}
			if strings.Contains(tok, secret) {
				t.Fatal("secret visible in token")
			}
			got, err := Open(ring, tok, t0)
			if err != nil {
				t.Fatal(err)
			}
			want := *s
			want.Version = 1
			want.IssuedAt = truncate(s.IssuedAt)
			want.Expiration = truncate(s.Expiration)
			want.MFAAuthTime = truncate(s.MFAAuthTime)
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("round trip:\n got %#v\nwant %#v\n%s", fields(got), fields(&want), cmp(got, &want))
			}
		})
	}
}

func truncate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Unix(t.Unix(), 0).UTC()
}

// fields prints every field, secret included (tests only).
func fields(s *Session) string {
	type plain Session
	return fmt.Sprintf("%+v", plain(*s))
}

func cmp(a, b *Session) string {
	va, vb := reflect.ValueOf(*a), reflect.ValueOf(*b)
	var diffs []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			diffs = append(diffs, va.Type().Field(i).Name)
		}
	}
	return "differing fields: " + strings.Join(diffs, ", ")
}

func TestEveryType(t *testing.T) {
	ring := newRing(t)
	for _, typ := range typeCodes[1:] {
		s := fullSession()
		s.Type = typ
		tok, err := Seal(ring, s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Open(ring, tok, t0)
		if err != nil || got.Type != typ {
			t.Fatalf("%s: %v, %v", typ, got, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	ring := newRing(t)
	s := fullSession()
	tok, _ := Seal(ring, s)
	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"issued", t0, nil},
		{"one second before expiry", s.Expiration.Add(-time.Second), nil},
		{"at expiry", s.Expiration, ErrExpired},
		{"after expiry", s.Expiration.Add(time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Open(ring, tok, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (got != nil) {
				t.Fatalf("Open = %v, %v; want %v", got, err, tt.want)
			}
			if tt.want != nil && errors.Is(err, ErrInvalid) {
				t.Fatal("an expired token is also reported invalid")
			}
		})
	}
}

func TestOpenInvalid(t *testing.T) {
	ring := newRing(t)
	tok, _ := Seal(ring, fullSession())
	other, _ := serverkey.Parse(mustRead(t, "testdata/golden-ring.json"))
	otherTok, _ := Seal(other, fullSession())
	tests := []struct {
		name, token, wantText string
	}{
		{"empty", "", "empty"},
		{"too long", strings.Repeat("A", MaxTokenLength+1), "longer than 8192"},
		{"std base64 padding", tok + "==", "not base64url"},
		{"std alphabet", strings.Replace(tok, tok[:1], "+", 1), "not base64url"},
		{"whitespace", tok[:10] + " " + tok[10:], "not base64url"},
		{"truncated", tok[:len(tok)-4], ""},
		{"truncated to a block", tok[:len(tok)/4*4-8], "fails authentication"},
		{"unknown key", otherTok, `sealed with server key "k20260101a", which is not in the key ring`},
		{"AWS token", "IQoJb3JpZ2luX2VjEHQaCXVzLWVhc3QtMSJHMEUCIQDExample", ""},
		{"random", "AQprMjAyNjExMjJhAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "unknown key" && ring.ActiveKeyID() == other.ActiveKeyID() {
				t.Skip("today's generated key ID equals the golden one")
			}
			got, err := Open(ring, tt.token, t0)
			if !errors.Is(err, ErrInvalid) || got != nil {
				t.Fatalf("Open = %v, %v; want ErrInvalid", got, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error %q does not contain %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), tt.token[:min(len(tt.token), 30)]) && tt.token != "" {
				t.Fatalf("error echoes the token: %v", err)
			}
			if ae := APIError(err); ae.Code != "InvalidClientTokenId" || ae.Status != 403 {
				t.Fatalf("APIError = %+v", ae)
			}
		})
	}
}

// TestEveryModificationRejected changes every character of a valid token
// to every other base64url character, and truncates and extends it: no
// modified token may open.
func TestEveryModificationRejected(t *testing.T) {
	ring := newRing(t)
	tok, _ := Seal(ring, fullSession())
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := []byte(tok)
	n := 0
	for i := range b {
		orig := b[i]
		for j := range len(alphabet) {
			if alphabet[j] == orig {
				continue
			}
			b[i] = alphabet[j]
			if s, err := Open(ring, string(b), t0); !errors.Is(err, ErrInvalid) {
				t.Fatalf("position %d changed to %q: Open = %v, %v", i, alphabet[j], s, err)
			}
			n++
		}
		b[i] = orig
	}
	for i := 1; i < len(tok); i++ {
		if _, err := Open(ring, tok[:i], t0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("prefix of length %d accepted", i)
		}
	}
	for _, c := range alphabet {
		if _, err := Open(ring, tok+string(c), t0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("token + %q accepted", c)
		}
	}
	t.Logf("%d single-character modifications rejected", n)
}

func TestRotation(t *testing.T) {
	r1, _ := serverkey.Parse(mustRead(t, "testdata/golden-ring.json"))
	tok, _ := Seal(r1, fullSession())
	r2, err := r1.AddKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(r2, tok, t0); err != nil {
		t.Fatalf("rotated ring rejects an old token: %v", err)
	}
	newTok, _ := Seal(r2, fullSession())
	if _, err := Open(r2, newTok, t0); err != nil {
		t.Fatal(err)
	}
	r3, _ := r2.RemoveKey(r1.ActiveKeyID())
	if _, err := Open(r3, tok, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("token of a removed key: %v", err)
	}
}

func TestVerify(t *testing.T) {
	ring := newRing(t)
	s := fullSession()
	tok, _ := Seal(ring, s)
	if got, err := Verify(ring, tok, s.AccessKeyID, t0); err != nil || got.AccessKeyID != s.AccessKeyID {
		t.Fatalf("Verify = %v, %v", got, err)
	}
	for _, id := range []string{"ASIAQNZGKIQY56JQ7WMX", "", "ASIAQNZGKIQY56JQ7WM", "asiaqnzgkiqy56jq7wml"} {
		if _, err := Verify(ring, tok, id, t0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Verify with key ID %q: %v", id, err)
		}
	}
	if _, err := Verify(ring, tok, s.AccessKeyID, s.Expiration); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if (&Session{}).MatchesAccessKeyID("") {
		t.Fatal("an empty session matches the empty key ID")
	}
}

func TestAPIError(t *testing.T) {
	ring := newRing(t)
	s := fullSession()
	tok, _ := Seal(ring, s)
	_, err := Open(ring, tok, s.Expiration)
	if ae := APIError(err); ae.Code != "ExpiredToken" || ae.Message != "The security token included in the request is expired" || ae.Status != 403 {
		t.Fatalf("expired: %+v", ae)
	}
	if ae := APIError(errors.New("boom")); ae.Code != "InternalFailure" || strings.Contains(ae.Message, "boom") {
		t.Fatalf("other: %+v", ae)
	}
}

func TestSealErrors(t *testing.T) {
	ring := newRing(t)
	tests := []struct {
		name   string
		mutate func(*Session)
		want   string
	}{
		{"no key ID", func(s *Session) { s.AccessKeyID = "" }, "no access key ID"},
		{"no secret", func(s *Session) { s.SecretAccessKey = "" }, "no secret"},
		{"no expiration", func(s *Session) { s.Expiration = time.Time{} }, "no expiration"},
		{"bad type", func(s *Session) { s.Type = "Nope" }, "unknown type"},
		{"empty type", func(s *Session) { s.Type = "" }, "unknown type"},
		{"negative depth", func(s *Session) { s.ChainDepth = -1 }, "chain depth"},
		{"too large", func(s *Session) { s.SessionPolicy = strings.Repeat("x", 6000) }, "would be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fullSession()
			tt.mutate(s)
			tok, err := Seal(ring, s)
			if err == nil || !strings.Contains(err.Error(), tt.want) || tok != "" {
				t.Fatalf("Seal = %q, %v; want error containing %q", tok, err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatal("error leaks the secret")
			}
		})
	}
	s := fullSession()
	s.SessionPolicy = strings.Repeat("x", 6000)
	if _, err := Seal(ring, s); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	// The largest session that fits seals to at most MaxTokenLength.
	lo, hi := 0, 8000
	for lo < hi {
		mid := (lo + hi + 1) / 2
		s.SessionPolicy = strings.Repeat("x", mid)
		if _, err := Seal(ring, s); err == nil {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	s.SessionPolicy = strings.Repeat("x", lo)
	tok, err := Seal(ring, s)
	if err != nil || len(tok) > MaxTokenLength || len(tok) < MaxTokenLength-3 {
		t.Fatalf("largest token: %d characters, %v", len(tok), err)
	}
	if _, err := Open(ring, tok, t0); err != nil {
		t.Fatalf("largest token does not open: %v", err)
	}
}

func TestNoSecretInOutput(t *testing.T) {
	s := fullSession()
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("x", "session", s)
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("x", "session", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), sb.String(), (*Session)(nil).String()} {
		if strings.Contains(out, secret) {
			t.Fatalf("output contains the secret: %s", out)
		}
	}
	if !strings.Contains(sb.String(), s.AccessKeyID) {
		t.Fatalf("log output lacks the access key ID: %s", sb.String())
	}
}

func TestUserIDForCaller(t *testing.T) {
	tests := []struct {
		typ  Type
		want string
	}{
		{TypeAssumeRole, "AROA3XFRBF535PLBIFPI4:remote-sts-test"},
		{TypePodIdentity, "AROA3XFRBF535PLBIFPI4:remote-sts-test"},
		{TypeGetSessionToken, "AIDAJQABLZS4A3QDU576Q"},
		{TypeFederationToken, "123456789012:remote-sts-test"},
	}
	for _, tt := range tests {
		s := fullSession()
		s.Type = tt.typ
		s.UserID = "AIDAJQABLZS4A3QDU576Q"
		if got := s.UserIDForCaller(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.typ, got, tt.want)
		}
	}
}

// TestGolden pins the token format: a token sealed by an earlier build
// must open forever with the same key file.
func TestGolden(t *testing.T) {
	ring, err := serverkey.Parse(mustRead(t, "testdata/golden-ring.json"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden-token.txt")
	if *update {
		tok, err := Seal(ring, fullSession())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(tok+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Open(ring, strings.TrimSpace(string(mustRead(t, path))), t0)
	if err != nil {
		t.Fatal(err)
	}
	want := fullSession()
	want.Version = 1
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("golden token decodes to %s", cmp(got, want))
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRejects(t *testing.T) {
	s := fullSession()
	code, _ := typeCode(s.Type)
	good := encode(nil, s, code)
	if _, err := decode(good); err != nil {
		t.Fatal(err)
	}
	for i := range good {
		if _, err := decode(good[:i]); err == nil {
			t.Fatalf("prefix of %d bytes decoded", i)
		}
	}
	for name, b := range map[string][]byte{
		"trailing byte":    append(append([]byte{}, good...), 0),
		"version 2":        append([]byte{2}, good[1:]...),
		"huge string":      {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"overlong uvarint": {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	} {
		if _, err := decode(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzOpen(f *testing.F) {
	ring, err := serverkey.Parse(mustRead(f, "testdata/golden-ring.json"))
	if err != nil {
		f.Fatal(err)
	}
	golden := strings.TrimSpace(string(mustRead(f, "testdata/golden-token.txt")))
	f.Add(golden)
	f.Add("")
	f.Add("AQprMjAyNjAxMDFh")
	f.Fuzz(func(t *testing.T, tok string) {
		s, err := Open(ring, tok, t0)
		if err == nil && tok != golden {
			t.Fatalf("opened a forged token: %v", s)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v is not ErrInvalid", err)
		}
	})
}

// FuzzDecode exercises the plaintext decoder, which the AEAD shields from
// FuzzOpen.
func FuzzDecode(f *testing.F) {
	s := fullSession()
	code, _ := typeCode(s.Type)
	f.Add(encode(nil, s, code))
	f.Add(encode(nil, &Session{Type: TypeAssumeRole}, 1))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decode(b)
		if err != nil {
			return
		}
		code, ok := typeCode(s.Type)
		if !ok {
			t.Fatalf("decoded unknown type %q", s.Type)
		}
		s2, err := decode(encode(nil, s, code))
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("re-encode round trip: %v, %s", err, cmp(s, s2))
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	ring := newRing(b)
	s := fullSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Seal(ring, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	ring := newRing(b)
	tok, _ := Seal(ring, fullSession())
	b.ReportMetric(float64(len(tok)), "token-chars")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(ring, tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncoding compares the binary encoding with encoding/json for
// the same session (why the token does not use JSON).
func BenchmarkEncoding(b *testing.B) {
	s := fullSession()
	code, _ := typeCode(s.Type)
	bin := encode(nil, s, code)
	js, _ := json.Marshal(s)
	b.Run("binary/encode", func(b *testing.B) {
		b.ReportMetric(float64(len(bin)), "bytes")
		b.ReportAllocs()
		for b.Loop() {
			encode(make([]byte, 0, encodedSizeHint(s)), s, code)
		}
	})
	b.Run("binary/decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decode(bin); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json/encode", func(b *testing.B) {
		b.ReportMetric(float64(len(js)), "bytes")
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(s)
		}
	})
	b.Run("json/decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out Session
			if err := json.Unmarshal(js, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
