package serverkey

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// FileVersion is the key file format version this package reads and
// writes.
const FileVersion = 1

// SecretSize is the size in bytes of every key's secret.
const SecretSize = 32

// MaxKeyIDLength bounds key IDs; they travel in clear in every sealed value.
const MaxKeyIDLength = 32

// A Purpose names what a sealed value is for. Each purpose has its own
// HKDF-derived subkey; the label is the HKDF info string and must never
// change once values have been sealed with it.
type Purpose string

// The purposes trustbridge seals values for.
const (
	// PurposeSecrets seals long-term secret access keys at rest.
	PurposeSecrets Purpose = "trustbridge secrets-at-rest v1"
	// PurposeSessionToken seals session tokens of temporary credentials.
	PurposeSessionToken Purpose = "trustbridge session-token v1"
)

var purposes = [...]Purpose{PurposeSecrets, PurposeSessionToken}

func purposeIndex(p Purpose) int {
	for i, q := range purposes {
		if q == p {
			return i
		}
	}
	return -1
}

// Errors returned (possibly wrapped) by Open, OpenSecret and SealedKeyID.
var (
	// ErrUnknownKey means the value was sealed with a key that is not in
	// the ring (removed too early, or from another deployment).
	ErrUnknownKey = errors.New("sealed with a key not in the key ring")
	// ErrInvalid means the value is malformed, or failed authentication:
	// tampered, truncated, sealed for another purpose or with other
	// additional data.
	ErrInvalid = errors.New("sealed value is malformed or fails authentication")
)

const (
	sealVersion = 1
	nonceSize   = 12
	tagSize     = 16
)

// KeyInfo describes one key of a ring, without its secret.
type KeyInfo struct {
	ID      string
	Created time.Time
}

type key struct {
	id      string
	created time.Time
	secret  []byte
	aeads   [len(purposes)]cipher.AEAD
}

// A Ring is an immutable, ordered set of keys; the first is active for
// sealing. A Ring is safe for concurrent use. Methods that change the set
// (AddKey, RemoveKey) return a new Ring.
type Ring struct {
	keys []*key
	byID map[string]*key
}

// Generate returns a new ring holding one fresh key.
func Generate() (*Ring, error) {
	return (&Ring{}).AddKey()
}

// newKey derives the per-purpose AEADs of a key.
func newKey(id string, created time.Time, secret []byte) (*key, error) {
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("key %q: secret must be %d bytes, got %d", id, SecretSize, len(secret))
	}
	k := &key{id: id, created: created, secret: bytes.Clone(secret)}
	for i, p := range purposes {
		sub, err := hkdf.Key(sha256.New, k.secret, nil, string(p), 32)
		if err != nil {
			return nil, fmt.Errorf("key %q: derive subkey: %w", id, err)
		}
		block, err := aes.NewCipher(sub)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		if k.aeads[i], err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
	}
	return k, nil
}

func newRing(keys []*key) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("key ring has no keys")
	}
	r := &Ring{keys: keys, byID: make(map[string]*key, len(keys))}
	for _, k := range keys {
		if err := validKeyID(k.id); err != nil {
			return nil, err
		}
		if _, dup := r.byID[k.id]; dup {
			return nil, fmt.Errorf("duplicate key ID %q", k.id)
		}
		r.byID[k.id] = k
	}
	return r, nil
}

func validKeyID(id string) error {
	if id == "" || len(id) > MaxKeyIDLength {
		return fmt.Errorf("key ID %q must be 1 to %d characters", id, MaxKeyIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("key ID %q may contain only letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// AddKey returns a new ring with a fresh random key in front of r's keys;
// the new key becomes active. Its ID is "k" + today's UTC date + a letter,
// unique within the ring (for example "k20261122a").
func (r *Ring) AddKey() (*Ring, error) {
	return r.addKey(time.Now().UTC().Truncate(time.Second))
}

func (r *Ring) addKey(now time.Time) (*Ring, error) {
	secret := make([]byte, SecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	id := r.newKeyID(now)
	k, err := newKey(id, now, secret)
	if err != nil {
		return nil, err
	}
	keys := append([]*key{k}, r.keys...)
	return newRing(keys)
}

func (r *Ring) newKeyID(now time.Time) string {
	base := "k" + now.Format("20060102")
	for c := 'a'; c <= 'z'; c++ {
		if id := base + string(c); r.byID[id] == nil {
			return id
		}
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%x", base, b)
}

// RemoveKey returns a new ring without the key id. It refuses to remove
// the active key (rotate first) or a key that is not in the ring.
func (r *Ring) RemoveKey(id string) (*Ring, error) {
	if r.byID[id] == nil {
		return nil, fmt.Errorf("key %q is not in the key ring", id)
	}
	if r.keys[0].id == id {
		return nil, fmt.Errorf("key %q is the active key; add a new key before removing it", id)
	}
	keys := make([]*key, 0, len(r.keys)-1)
	for _, k := range r.keys {
		if k.id != id {
			keys = append(keys, k)
		}
	}
	return newRing(keys)
}

// ActiveKeyID returns the ID of the key new values are sealed with.
func (r *Ring) ActiveKeyID() string { return r.keys[0].id }

// Keys returns the ring's keys in order, active first, without secrets.
func (r *Ring) Keys() []KeyInfo {
	out := make([]KeyInfo, len(r.keys))
	for i, k := range r.keys {
		out[i] = KeyInfo{ID: k.id, Created: k.created}
	}
	return out
}

// String lists the key IDs, active first. It never shows key material.
func (r *Ring) String() string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return "serverkey.Ring[" + strings.Join(ids, ",") + "]"
}

// LogValue implements slog.LogValuer with the key IDs only.
func (r *Ring) LogValue() slog.Value {
	return slog.StringValue(r.String())
}

// Seal encrypts and authenticates plaintext for purpose p with the active
// key, binding aad (which is not stored in the output and must be given
// again to Open). The output carries the key ID in clear.
func (r *Ring) Seal(p Purpose, plaintext, aad []byte) ([]byte, error) {
	k := r.keys[0]
	return r.AppendSeal(make([]byte, 0, 2+len(k.id)+nonceSize+len(plaintext)+tagSize), p, plaintext, aad)
}

// AppendSeal is Seal appending the sealed value to dst, for callers that
// reuse buffers on a hot path. dst must not overlap plaintext or aad.
func (r *Ring) AppendSeal(dst []byte, p Purpose, plaintext, aad []byte) ([]byte, error) {
	pi := purposeIndex(p)
	if pi < 0 {
		return nil, fmt.Errorf("unknown purpose %q", p)
	}
	k := r.keys[0]
	hlen := 2 + len(k.id)
	start := len(dst)
	dst = slices.Grow(dst, hlen+nonceSize+len(plaintext)+tagSize)
	dst = append(dst, sealVersion, byte(len(k.id)))
	dst = append(dst, k.id...)
	dst = dst[:start+hlen+nonceSize]
	header := dst[start : start+hlen]
	nonce := dst[start+hlen:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	var adBuf [64]byte
	ad := append(append(adBuf[:0], header...), aad...)
	return k.aeads[pi].Seal(dst, nonce, plaintext, ad), nil
}

// Open authenticates and decrypts a value Seal produced for purpose p with
// the same aad. It returns an error wrapping ErrUnknownKey if the key ID
// in the header is not in the ring, and one wrapping ErrInvalid for
// anything else; it never panics.
func (r *Ring) Open(p Purpose, sealed, aad []byte) ([]byte, error) {
	pi := purposeIndex(p)
	if pi < 0 {
		return nil, fmt.Errorf("unknown purpose %q", p)
	}
	id, hlen, err := parseHeader(sealed)
	if err != nil {
		return nil, err
	}
	k := r.byID[id]
	if k == nil {
		return nil, fmt.Errorf("%w: key ID %q", ErrUnknownKey, id)
	}
	if len(sealed) < hlen+nonceSize+tagSize {
		return nil, fmt.Errorf("%w: too short", ErrInvalid)
	}
	nonce := sealed[hlen : hlen+nonceSize]
	ad := additionalData(sealed[:hlen], aad)
	pt, err := k.aeads[pi].Open(nil, nonce, sealed[hlen+nonceSize:], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrInvalid)
	}
	return pt, nil
}

// SealSecret seals a secret (a long-term secret access key) for storage at
// rest. aad must identify the row it belongs to — the access key ID — so
// that ciphertexts cannot be swapped between rows.
func (r *Ring) SealSecret(plaintext, aad []byte) ([]byte, error) {
	return r.Seal(PurposeSecrets, plaintext, aad)
}

// OpenSecret opens a value SealSecret produced, with the same aad.
func (r *Ring) OpenSecret(ciphertext, aad []byte) ([]byte, error) {
	return r.Open(PurposeSecrets, ciphertext, aad)
}

// SealedKeyID returns the ID of the key a sealed value was sealed with,
// without opening it (to find values still sealed with an old key).
func SealedKeyID(sealed []byte) (string, error) {
	id, _, err := parseHeader(sealed)
	return id, err
}

func parseHeader(sealed []byte) (id string, hlen int, err error) {
	if len(sealed) < 2 || sealed[0] != sealVersion {
		return "", 0, fmt.Errorf("%w: unknown format", ErrInvalid)
	}
	n := int(sealed[1])
	if n == 0 || n > MaxKeyIDLength || len(sealed) < 2+n {
		return "", 0, fmt.Errorf("%w: bad key ID length", ErrInvalid)
	}
	id = string(sealed[2 : 2+n])
	if validKeyID(id) != nil {
		return "", 0, fmt.Errorf("%w: bad key ID", ErrInvalid)
	}
	return id, 2 + n, nil
}

// additionalData is the AEAD additional data: the sealed header followed
// by the caller's aad. It is a fresh slice, never aliasing the output.
func additionalData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	ad = append(ad, header...)
	return append(ad, aad...)
}

// fileFormat is the JSON key file.
type fileFormat struct {
	Version int       `json:"version"`
	Keys    []fileKey `json:"keys"`
}

type fileKey struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Secret  string    `json:"secret"`
}

// Parse decodes a key file. Unknown fields, an unknown version, duplicate
// or malformed key IDs and secrets that are not 32 bytes of standard
// base64 are errors. Error messages never contain secrets.
func Parse(data []byte) (*Ring, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileFormat
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode key file: %s", redactJSONError(err))
	}
	if dec.More() {
		return nil, errors.New("decode key file: trailing data after the JSON object")
	}
	if f.Version != FileVersion {
		return nil, fmt.Errorf("key file version %d is not supported (want %d)", f.Version, FileVersion)
	}
	keys := make([]*key, 0, len(f.Keys))
	for i, fk := range f.Keys {
		if err := validKeyID(fk.ID); err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		secret, err := base64.StdEncoding.Strict().DecodeString(fk.Secret)
		if err != nil || len(secret) != SecretSize {
			return nil, fmt.Errorf("keys[%d] (%s): secret must be standard base64 of %d bytes", i, fk.ID, SecretSize)
		}
		k, err := newKey(fk.ID, fk.Created, secret)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	r, err := newRing(keys)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return r, nil
}

// redactJSONError describes a decode error without echoing input: JSON
// syntax errors carry only an offset, but type errors may quote a value.
func redactJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return err.Error()
	}
	return "invalid JSON"
}

// Marshal encodes the ring as a key file. The output contains the secrets.
func (r *Ring) Marshal() ([]byte, error) {
	f := fileFormat{Version: FileVersion, Keys: make([]fileKey, len(r.keys))}
	for i, k := range r.keys {
		f.Keys[i] = fileKey{ID: k.id, Created: k.created.UTC(), Secret: base64.StdEncoding.EncodeToString(k.secret)}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
