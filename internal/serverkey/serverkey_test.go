package serverkey

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func mustGenerate(t testing.TB) *Ring {
	t.Helper()
	r, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpenRoundTrip(t *testing.T) {
	r := mustGenerate(t)
	for _, p := range purposes {
		for _, pt := range [][]byte{nil, []byte("x"), []byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), bytes.Repeat([]byte{7}, 5000)} {
			aad := []byte("AKIAIOSFODNN7EXAMPLE")
			s, err := r.Seal(p, pt, aad)
			if err != nil {
				t.Fatal(err)
			}
			if len(s) != 2+len(r.ActiveKeyID())+nonceSize+len(pt)+tagSize {
				t.Fatalf("sealed length %d", len(s))
			}
			if len(pt) > 8 && bytes.Contains(s, pt) {
				t.Fatal("plaintext visible in sealed value")
			}
			got, err := r.Open(p, s, aad)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("Open = %q, %v", got, err)
			}
			if id, err := SealedKeyID(s); err != nil || id != r.ActiveKeyID() {
				t.Fatalf("SealedKeyID = %q, %v", id, err)
			}
		}
	}
}

func TestSealIsRandomized(t *testing.T) {
	r := mustGenerate(t)
	a, _ := r.SealSecret([]byte("secret"), nil)
	b, _ := r.SealSecret([]byte("secret"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are equal")
	}
}

func TestOpenRejects(t *testing.T) {
	r := mustGenerate(t)
	other, err := (&Ring{}).addKey(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("AKIAIOSFODNN7EXAMPLE")
	sealed, err := r.SealSecret([]byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), aad)
	if err != nil {
		t.Fatal(err)
	}
	// A ring whose key has the same ID but another secret.
	sameID, err := newRing([]*key{mustKey(t, r.ActiveKeyID(), bytes.Repeat([]byte{1}, 32))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ring    *Ring
		purpose Purpose
		sealed  []byte
		aad     []byte
		want    error
	}{
		{"other aad (row swap)", r, PurposeSecrets, sealed, []byte("AKIAI44QH8DHBEXAMPLE"), ErrInvalid},
		{"no aad", r, PurposeSecrets, sealed, nil, ErrInvalid},
		{"other purpose", r, PurposeSessionToken, sealed, aad, ErrInvalid},
		{"other ring, other key ID", other, PurposeSecrets, sealed, aad, ErrUnknownKey},
		{"same key ID, other secret", sameID, PurposeSecrets, sealed, aad, ErrInvalid},
		{"empty", r, PurposeSecrets, nil, aad, ErrInvalid},
		{"version only", r, PurposeSecrets, []byte{1}, aad, ErrInvalid},
		{"bad version", r, PurposeSecrets, append([]byte{2}, sealed[1:]...), aad, ErrInvalid},
		{"zero id length", r, PurposeSecrets, []byte{1, 0, 'a'}, aad, ErrInvalid},
		{"id length past end", r, PurposeSecrets, []byte{1, 30, 'a'}, aad, ErrInvalid},
		{"bad id chars", r, PurposeSecrets, []byte{1, 2, 'a', '/'}, aad, ErrInvalid},
		{"truncated tag", r, PurposeSecrets, sealed[:len(sealed)-1], aad, ErrInvalid},
		{"header and nonce only", r, PurposeSecrets, sealed[:2+len(r.ActiveKeyID())+nonceSize], aad, ErrInvalid},
		{"appended byte", r, PurposeSecrets, append(bytes.Clone(sealed), 0), aad, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ring.Open(tt.purpose, tt.sealed, tt.aad)
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("Open = %q, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := r.Seal("nope", nil, nil); err == nil {
		t.Fatal("Seal with an unknown purpose succeeded")
	}
	if _, err := r.Open("nope", sealed, nil); err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("Open with an unknown purpose: %v", err)
	}
}

// TestOpenRejectsEveryBitFlip flips every bit of a sealed value.
func TestOpenRejectsEveryBitFlip(t *testing.T) {
	r := mustGenerate(t)
	sealed, _ := r.SealSecret([]byte("secret material"), []byte("aad"))
	for i := range sealed {
		for bit := range 8 {
			m := bytes.Clone(sealed)
			m[i] ^= 1 << bit
			if got, err := r.OpenSecret(m, []byte("aad")); err == nil {
				t.Fatalf("byte %d bit %d: accepted, got %q", i, bit, got)
			}
		}
	}
}

func mustKey(t testing.TB, id string, secret []byte) *key {
	t.Helper()
	k, err := newKey(id, time.Unix(0, 0).UTC(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRotation(t *testing.T) {
	day := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	r1, err := (&Ring{}).addKey(day)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ActiveKeyID() != "k20261122a" {
		t.Fatalf("first key ID %q", r1.ActiveKeyID())
	}
	old, _ := r1.Seal(PurposeSessionToken, []byte("old token"), nil)
	r2, err := r1.addKey(day)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ActiveKeyID() != "k20261122b" || len(r2.Keys()) != 2 || r2.Keys()[1].ID != "k20261122a" {
		t.Fatalf("after rotation: %v", r2)
	}
	if r1.ActiveKeyID() != "k20261122a" || len(r1.Keys()) != 1 {
		t.Fatal("AddKey modified the original ring")
	}
	if got, err := r2.Open(PurposeSessionToken, old, nil); err != nil || string(got) != "old token" {
		t.Fatalf("rotated ring cannot open old value: %v", err)
	}
	fresh, _ := r2.Seal(PurposeSessionToken, []byte("new token"), nil)
	if id, _ := SealedKeyID(fresh); id != "k20261122b" {
		t.Fatalf("new value sealed with %q", id)
	}
	// A replica that has not yet loaded the new file cannot open it: the
	// error says why.
	if _, err := r1.Open(PurposeSessionToken, fresh, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old ring opening new value: %v", err)
	}
	if _, err := r2.RemoveKey("k20261122b"); err == nil {
		t.Fatal("removed the active key")
	}
	if _, err := r2.RemoveKey("k2000"); err == nil {
		t.Fatal("removed a missing key")
	}
	r3, err := r2.RemoveKey("k20261122a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r3.Open(PurposeSessionToken, old, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("removed key still opens: %v", err)
	}
	// Many keys on one day get unique IDs.
	r := r3
	seen := map[string]bool{}
	for range 30 {
		if r, err = r.addKey(day); err != nil {
			t.Fatal(err)
		}
		if seen[r.ActiveKeyID()] {
			t.Fatalf("duplicate ID %q", r.ActiveKeyID())
		}
		seen[r.ActiveKeyID()] = true
	}
}

func TestParseErrors(t *testing.T) {
	secret := "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=" // 32 bytes
	good := func(id string) string {
		return fmt.Sprintf(`{"id":%q,"created":"2026-01-01T00:00:00Z","secret":%q}`, id, secret)
	}
	tests := []struct{ name, file, want string }{
		{"not json", `nope`, "invalid JSON"},
		{"version 2", `{"version":2,"keys":[` + good("a") + `]}`, "version 2 is not supported"},
		{"no version", `{"keys":[` + good("a") + `]}`, "version 0 is not supported"},
		{"no keys", `{"version":1,"keys":[]}`, "no keys"},
		{"unknown field", `{"version":1,"keys":[` + good("a") + `],"x":1}`, `unknown field "x"`},
		{"unknown key field", `{"version":1,"keys":[{"id":"a","secret":"` + secret + `","extra":1}]}`, `unknown field "extra"`},
		{"duplicate id", `{"version":1,"keys":[` + good("a") + `,` + good("a") + `]}`, `duplicate key ID "a"`},
		{"bad id", `{"version":1,"keys":[` + good("a/b") + `]}`, "may contain only"},
		{"empty id", `{"version":1,"keys":[` + good("") + `]}`, "must be 1 to 32"},
		{"long id", `{"version":1,"keys":[` + good(strings.Repeat("a", 33)) + `]}`, "must be 1 to 32"},
		{"short secret", `{"version":1,"keys":[{"id":"a","secret":"c2VjcmV0"}]}`, "secret must be standard base64 of 32 bytes"},
		{"bad base64", `{"version":1,"keys":[{"id":"a","secret":"!!!!` + secret[4:] + `"}]}`, "secret must be standard base64"},
		{"wrong type", `{"version":"1","keys":[]}`, `field "version" has the wrong type`},
		{"trailing", `{"version":1,"keys":[` + good("a") + `]} {}`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error %v; want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret[:10]) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	r := mustGenerate(t)
	r, _ = r.AddKey()
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := r2.Marshal()
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip differs:\n%s\n%s", b, b2)
	}
	s, _ := r.SealSecret([]byte("x"), nil)
	if got, err := r2.OpenSecret(s, nil); err != nil || string(got) != "x" {
		t.Fatalf("parsed ring cannot open: %v", err)
	}
	for _, k := range r.keys {
		sec := fmt.Sprint(k.secret)
		for _, text := range []string{r.String(), r.LogValue().String(), fmt.Sprint(r.Keys())} {
			if strings.Contains(text, sec) || strings.Contains(text, string(b[strings.Index(string(b), `"secret": "`)+11:][:20])) {
				t.Fatalf("String leaks a secret: %s", text)
			}
		}
	}
}

// TestGolden pins the file format, the HKDF labels and the sealed format:
// a value sealed by an earlier build must open forever.
func TestGolden(t *testing.T) {
	keyFile := filepath.Join("testdata", "golden-ring.json")
	sealedFile := filepath.Join("testdata", "golden-sealed.hex")
	if *update {
		r, err := (&Ring{}).addKey(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Save(keyFile); err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, p := range purposes {
			s, err := r.Seal(p, []byte("golden plaintext for "+string(p)), []byte("aad"))
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, hex.EncodeToString(s))
		}
		if err := os.WriteFile(sealedFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Load(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(sealedFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(data))
	if len(lines) != len(purposes) {
		t.Fatalf("%d golden values", len(lines))
	}
	for i, p := range purposes {
		s, _ := hex.DecodeString(lines[i])
		got, err := r.Open(p, s, []byte("aad"))
		if err != nil || string(got) != "golden plaintext for "+string(p) {
			t.Fatalf("%s: %q, %v", p, got, err)
		}
	}
}

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "server-key.json")
	r1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Fatalf("directory mode %v", st.Mode().Perm())
	}
	r2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := r1.Marshal()
	b2, _ := r2.Marshal()
	if !bytes.Equal(b1, b2) {
		t.Fatal("second LoadOrCreate made a new key")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

// TestLoadOrCreateRace starts many "replicas" at once on one directory:
// they must all end up with the same key.
func TestLoadOrCreateRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server-key.json")
	const n = 16
	rings := make([]*Ring, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { rings[i], errs[i] = LoadOrCreate(path) })
	}
	wg.Wait()
	want, _ := rings[0].Marshal()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		got, _ := rings[i].Marshal()
		if !bytes.Equal(got, want) {
			t.Fatalf("replica %d has a different key", i)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Load(dir); err == nil {
		t.Fatal("loaded a directory")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"keys":[]}`), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("bad file: %v", err)
	}
	if _, err := LoadOrCreate(bad); err == nil {
		t.Fatal("LoadOrCreate replaced a bad file")
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, bytes.Repeat([]byte(" "), maxFileSize+1), 0o600)
	if _, err := Load(big); err == nil {
		t.Fatal("loaded an oversized file")
	}
}

func TestSaveReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.json")
	r, _ := LoadOrCreate(path)
	r2, _ := r.AddKey()
	if err := r2.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || got.ActiveKeyID() != r2.ActiveKeyID() || len(got.Keys()) != 2 {
		t.Fatalf("after Save: %v, %v", got, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
}

func FuzzOpen(f *testing.F) {
	r, err := Parse(mustRead(f, "testdata/golden-ring.json"))
	if err != nil {
		f.Fatal(err)
	}
	// The golden value, not a fresh seal: fuzz workers are separate
	// processes and must agree on the one valid input.
	valid, _ := hex.DecodeString(strings.Fields(string(mustRead(f, "testdata/golden-sealed.hex")))[0])
	if _, err := r.OpenSecret(valid, []byte("aad")); err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte{})
	f.Add([]byte{1, 1, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		pt, err := r.OpenSecret(b, []byte("aad"))
		if err == nil && !bytes.Equal(b, valid) {
			// Only values this ring sealed can open; the fuzzer cannot
			// forge one.
			t.Fatalf("opened a forged value: %q", pt)
		}
		_, _ = SealedKeyID(b)
	})
}

func FuzzParse(f *testing.F) {
	f.Add(mustRead(f, "testdata/golden-ring.json"))
	f.Add([]byte(`{"version":1,"keys":[{"id":"a","secret":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("re-parse of marshalled ring: %v", err)
		}
	})
}

func mustRead(t testing.TB, name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkSeal(b *testing.B) {
	r := mustGenerate(b)
	pt := bytes.Repeat([]byte{1}, 300)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = r.Seal(PurposeSessionToken, pt, nil)
	}
}

func BenchmarkOpen(b *testing.B) {
	r := mustGenerate(b)
	s, _ := r.Seal(PurposeSessionToken, bytes.Repeat([]byte{1}, 300), nil)
	b.ReportAllocs()
	for b.Loop() {
		_, _ = r.Open(PurposeSessionToken, s, nil)
	}
}
