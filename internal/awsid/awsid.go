package awsid

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// Identifier prefixes AWS uses. The four characters are followed by 16
// (access key IDs) or 17 (unique IDs) characters.
const (
	PrefixAccessKey          = "AKIA" // long-term access key ID
	PrefixTemporaryAccessKey = "ASIA" // temporary (STS) access key ID
	PrefixUser               = "AIDA" // IAM user unique ID
	PrefixRole               = "AROA" // IAM role unique ID
	PrefixManagedPolicy      = "ANPA" // customer managed policy unique ID
	PrefixGroup              = "AGPA" // IAM group unique ID
	PrefixInstanceProfile    = "AIPA" // instance profile unique ID
)

// Lengths of the identifiers this package produces.
const (
	AccessKeyIDLength     = 20
	UniqueIDLength        = 21
	SecretAccessKeyLength = 40
)

// accountMask selects the 40 bits of the first six decoded bytes that hold
// the account ID (bits 7..46); bit 47 and bits 0..6 are random.
const (
	accountMask  = 0x7fffffffff80
	accountShift = 7
	maxAccount   = 999999999999
)

// b32 is RFC 4648 base32 (A-Z, 2-7) without padding: 10 bytes are exactly
// 16 characters.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrInvalidAccessKeyID is returned (wrapped) by AccountFromAccessKeyID for
// a string that is not a well-formed access key ID.
var ErrInvalidAccessKeyID = errors.New("invalid access key ID")

// NewAccessKeyID returns prefix (normally PrefixAccessKey or
// PrefixTemporaryAccessKey) followed by 16 characters of A-Z2-7 that encode
// account the way AWS does: base32-decoding them gives 10 bytes whose first
// six, read big-endian, masked with 0x7fffffffff80 and shifted right by 7,
// are the account number. All other bits are random.
//
// account must be a 12-digit account ID and prefix four characters of
// A-Z; NewAccessKeyID panics otherwise, because callers pass constants and
// validated account IDs and a malformed key would be a programming error.
func NewAccessKeyID(prefix, account string) string {
	if !isPrefix(prefix) {
		panic("awsid: access key prefix must be four characters A-Z")
	}
	acct, err := parseAccount(account)
	if err != nil {
		panic("awsid: " + err.Error())
	}
	var b [10]byte
	mustRead(b[:])
	var head [8]byte
	copy(head[2:], b[:6])
	v := binary.BigEndian.Uint64(head[:])
	v = v&^accountMask | acct<<accountShift&accountMask
	binary.BigEndian.PutUint64(head[:], v)
	copy(b[:6], head[2:])
	return prefix + b32.EncodeToString(b[:])
}

// AccountFromAccessKeyID returns the 12-digit account ID encoded in an
// access key ID, as STS GetAccessKeyInfo does. It works for keys made by
// NewAccessKeyID and for real AWS keys issued since AWS began encoding the
// account (for example AKIAIOSFODNN7EXAMPLE decodes to 581039954779). It
// checks only the shape (20 characters: four of A-Z, then 16 of A-Z2-7), not
// whether the key exists.
func AccountFromAccessKeyID(id string) (string, error) {
	if len(id) != AccessKeyIDLength || !isPrefix(id[:4]) {
		return "", fmt.Errorf("%w: want 20 characters starting with four letters", ErrInvalidAccessKeyID)
	}
	var b [10]byte
	n, err := b32.Decode(b[:], []byte(id[4:]))
	if err != nil || n != len(b) {
		return "", fmt.Errorf("%w: characters after the prefix must be A-Z or 2-7", ErrInvalidAccessKeyID)
	}
	var head [8]byte
	copy(head[2:], b[:6])
	acct := binary.BigEndian.Uint64(head[:]) & accountMask >> accountShift
	if acct > maxAccount {
		return "", fmt.Errorf("%w: encoded account is out of range", ErrInvalidAccessKeyID)
	}
	return fmt.Sprintf("%012d", acct), nil
}

// IsAccessKeyID reports whether s has the shape of an access key ID: 20
// characters, four of A-Z then 16 of A-Z2-7.
func IsAccessKeyID(s string) bool {
	if len(s) != AccessKeyIDLength || !isPrefix(s[:4]) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isB32(s[i]) {
			return false
		}
	}
	return true
}

// IsTemporaryAccessKeyID reports whether id is an access key ID of
// temporary credentials (prefix ASIA).
func IsTemporaryAccessKeyID(id string) bool {
	return IsAccessKeyID(id) && id[:4] == PrefixTemporaryAccessKey
}

// NewUniqueID returns a unique ID for an IAM entity: prefix (PrefixUser,
// PrefixRole, PrefixManagedPolicy, ...) followed by 17 random characters of
// A-Z2-7, 21 characters in all, the alphabet real AWS unique IDs are drawn
// from (it is a subset of A-Z0-9, which is what AWS documents). It panics if
// prefix is not four characters of A-Z.
func NewUniqueID(prefix string) string {
	if !isPrefix(prefix) {
		panic("awsid: unique ID prefix must be four characters A-Z")
	}
	var b [11]byte // 88 bits: 17 characters use 85 of them
	mustRead(b[:])
	return prefix + b32.EncodeToString(b[:])[:UniqueIDLength-4]
}

// NewSecretAccessKey returns a new secret access key: 40 characters of the
// standard base64 alphabet (A-Z a-z 0-9 + /), like AWS's, carrying 240
// random bits.
func NewSecretAccessKey() string {
	var b [30]byte
	mustRead(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// NewRequestID returns a random (version 4) UUID in its canonical
// lowercase 36-character form, the shape of AWS request IDs.
func NewRequestID() string {
	return uuid.NewString()
}

// IsAccountID reports whether s is a 12-digit account ID.
func IsAccountID(s string) bool {
	_, err := parseAccount(s)
	return err == nil
}

func parseAccount(s string) (uint64, error) {
	if len(s) != 12 {
		return 0, errors.New("account ID must be 12 digits")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("account ID must be 12 digits")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

func isPrefix(p string) bool {
	if len(p) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if p[i] < 'A' || p[i] > 'Z' {
			return false
		}
	}
	return true
}

func isB32(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' }

// mustRead fills b from crypto/rand, which never fails on supported
// platforms (Go 1.24+ crashes the program rather than return an error).
func mustRead(b []byte) {
	_, _ = rand.Read(b)
}
