package awsid

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/google/uuid"
)

func TestAccountFromAccessKeyID(t *testing.T) {
	tests := []struct {
		name, id, want string
		wantErr        bool
	}{
		// AWS's documentation example key; the account it encodes is the
		// one GetAccessKeyInfo reports for it.
		{name: "docs example", id: "AKIAIOSFODNN7EXAMPLE", want: "581039954779"},
		// A temporary key from public research on the encoding.
		{name: "temporary key", id: "ASIAQNZGKIQY56JQ7WML", want: "029608264753"},
		{name: "lower case", id: "akiaiosfodnn7example", wantErr: true},
		{name: "short", id: "AKIAIOSFODNN7EXAMPL", wantErr: true},
		{name: "long", id: "AKIAIOSFODNN7EXAMPLEE", wantErr: true},
		{name: "digit outside base32", id: "AKIAIOSFODNN1EXAMPLE", wantErr: true},
		{name: "digit in prefix", id: "AK1AIOSFODNN7EXAMPLE", wantErr: true},
		{name: "empty", id: "", wantErr: true},
		// All-ones bits decode to more than 12 digits.
		{name: "out of range", id: "AKIA7777777777777777", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AccountFromAccessKeyID(tt.id)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidAccessKeyID) {
					t.Fatalf("AccountFromAccessKeyID(%q) = %q, %v; want ErrInvalidAccessKeyID", tt.id, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("AccountFromAccessKeyID(%q) = %q, %v; want %q", tt.id, got, err, tt.want)
			}
		})
	}
}

var keyRE = regexp.MustCompile(`^[A-Z]{4}[A-Z2-7]{16}$`)

func TestNewAccessKeyIDRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accounts := []string{"000000000000", "000000000001", "123456789012", "999999999999", "581039954779"}
	for range 2000 {
		accounts = append(accounts, fmt.Sprintf("%012d", r.Int64N(1_000_000_000_000)))
	}
	seen := map[string]bool{}
	for _, acct := range accounts {
		for _, prefix := range []string{PrefixAccessKey, PrefixTemporaryAccessKey} {
			id := NewAccessKeyID(prefix, acct)
			if !keyRE.MatchString(id) || id[:4] != prefix || !IsAccessKeyID(id) {
				t.Fatalf("NewAccessKeyID(%q, %q) = %q: bad shape", prefix, acct, id)
			}
			got, err := AccountFromAccessKeyID(id)
			if err != nil || got != acct {
				t.Fatalf("AccountFromAccessKeyID(%q) = %q, %v; want %q", id, got, err, acct)
			}
			if seen[id] {
				t.Fatalf("duplicate key ID %q", id)
			}
			seen[id] = true
		}
	}
	if !IsTemporaryAccessKeyID(NewAccessKeyID(PrefixTemporaryAccessKey, "123456789012")) || IsTemporaryAccessKeyID(NewAccessKeyID(PrefixAccessKey, "123456789012")) {
		t.Fatal("IsTemporaryAccessKeyID wrong")
	}
}

// TestNewAccessKeyIDRandomBits checks that the bits outside the account
// field vary: the same account must not give predictable keys.
func TestNewAccessKeyIDRandomBits(t *testing.T) {
	var or, and [10]byte
	for i := range and {
		and[i] = 0xff
	}
	for range 200 {
		id := NewAccessKeyID(PrefixAccessKey, "123456789012")
		b, err := b32.DecodeString(id[4:])
		if err != nil {
			t.Fatal(err)
		}
		for i := range b {
			or[i] |= b[i]
			and[i] &= b[i]
		}
	}
	// Outside the account field every bit must have been seen as 0 and 1.
	fixed := [10]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0x80}
	for i := range or {
		if varying := or[i] &^ and[i]; varying|fixed[i] != 0xff {
			t.Errorf("byte %d: random bits %08b never varied (or %08b and %08b)", i, ^(varying | fixed[i]), or[i], and[i])
		}
	}
}

func TestNewAccessKeyIDPanics(t *testing.T) {
	for _, tc := range []struct{ prefix, account string }{
		{"AKI", "123456789012"}, {"akia", "123456789012"}, {"AKIA", "12345678901"}, {"AKIA", "12345678901x"}, {"AKIA", "-12345678901"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewAccessKeyID(%q, %q) did not panic", tc.prefix, tc.account)
				}
			}()
			NewAccessKeyID(tc.prefix, tc.account)
		}()
	}
}

func TestNewUniqueID(t *testing.T) {
	re := regexp.MustCompile(`^[A-Z]{4}[A-Z0-9]{17}$`)
	seen := map[string]bool{}
	for _, p := range []string{PrefixUser, PrefixRole, PrefixManagedPolicy, PrefixGroup, PrefixInstanceProfile} {
		for range 500 {
			id := NewUniqueID(p)
			if len(id) != UniqueIDLength || !re.MatchString(id) || id[:4] != p {
				t.Fatalf("NewUniqueID(%q) = %q", p, id)
			}
			if seen[id] {
				t.Fatalf("duplicate %q", id)
			}
			seen[id] = true
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("NewUniqueID with a bad prefix did not panic")
		}
	}()
	NewUniqueID("AROA1")
}

func TestNewSecretAccessKey(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	seen := map[string]bool{}
	for range 500 {
		s := NewSecretAccessKey()
		if !re.MatchString(s) {
			t.Fatalf("NewSecretAccessKey() = %q", s)
		}
		if b, err := base64.StdEncoding.DecodeString(s); err != nil || len(b) != 30 {
			t.Fatalf("secret %q does not carry 30 random bytes", s)
		}
		if seen[s] {
			t.Fatal("duplicate secret")
		}
		seen[s] = true
	}
}

func TestNewRequestID(t *testing.T) {
	id := NewRequestID()
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 4 || len(id) != 36 || u.String() != id {
		t.Fatalf("NewRequestID() = %q (%v)", id, err)
	}
}

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{"123456789012": true, "000000000000": true, "12345678901": false, "1234567890123": false, "12345678901a": false, "": false} {
		if IsAccountID(s) != want {
			t.Errorf("IsAccountID(%q) = %v", s, !want)
		}
	}
}

func FuzzAccountFromAccessKeyID(f *testing.F) {
	f.Add("AKIAIOSFODNN7EXAMPLE")
	f.Add("ASIAQNZGKIQY56JQ7WML")
	f.Add("AKIA7777777777777777")
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		acct, err := AccountFromAccessKeyID(id)
		if err != nil {
			return
		}
		if !IsAccessKeyID(id) || !IsAccountID(acct) {
			t.Fatalf("accepted %q -> %q", id, acct)
		}
		// Re-encoding the account under the same prefix decodes the same.
		if got, err := AccountFromAccessKeyID(NewAccessKeyID(id[:4], acct)); err != nil || got != acct {
			t.Fatalf("round trip %q -> %q, %v", acct, got, err)
		}
	})
}

func BenchmarkNewAccessKeyID(b *testing.B) {
	for b.Loop() {
		NewAccessKeyID(PrefixTemporaryAccessKey, "123456789012")
	}
}
