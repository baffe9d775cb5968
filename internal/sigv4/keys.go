package sigv4

import (
	"crypto/sha256"
	"strings"
	"sync"
)

// SigningKey derives the SigV4 signing key:
// HMAC chain "AWS4"+secret → date → region → service → "aws4_request".
func SigningKey(secret, date, region, service string) [sha256.Size]byte {
	var kb [hmacBlock]byte
	var key []byte
	if len(secret)+4 <= len(kb) {
		key = append(append(kb[:0], "AWS4"...), secret...)
	} else {
		key = []byte("AWS4" + secret)
	}
	k := hmacSHA256(key, []byte(date))
	k = hmacSHA256(k[:], []byte(region))
	k = hmacSHA256(k[:], []byte(service))
	return hmacSHA256(k[:], []byte(Terminator))
}

const hmacBlock = 64 // SHA-256 block size

// hmacSHA256 is HMAC-SHA256 (RFC 2104) computed with sha256.Sum256 over
// stack buffers, so that the verification hot path does not allocate
// (messages longer than the stack buffer use a heap one). Tests check it
// against crypto/hmac.
func hmacSHA256(key, msg []byte) [sha256.Size]byte {
	const maxMsg = 448
	var k [hmacBlock]byte
	if len(key) > hmacBlock {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var stack [hmacBlock + maxMsg]byte
	inner := stack[:hmacBlock]
	if len(msg) > maxMsg {
		inner = make([]byte, hmacBlock, hmacBlock+len(msg))
	}
	for i, c := range k {
		inner[i] = c ^ 0x36
	}
	inner = append(inner, msg...)
	ih := sha256.Sum256(inner)
	var outer [hmacBlock + sha256.Size]byte
	for i, c := range k {
		outer[i] = c ^ 0x5c
	}
	copy(outer[hmacBlock:], ih[:])
	return sha256.Sum256(outer[:])
}

// secretDigest is SHA-256 of the secret, hashed from a stack copy so that
// the common case does not allocate.
func secretDigest(secret string) [sha256.Size]byte {
	var b [128]byte
	if len(secret) <= len(b) {
		n := copy(b[:], secret)
		return sha256.Sum256(b[:n])
	}
	return sha256.Sum256([]byte(secret))
}

// DefaultKeyCacheSize is the KeyCache size NewVerifier uses.
const DefaultKeyCacheSize = 4096

// A KeyCache caches derived signing keys. Entries are keyed by the SHA-256
// of the secret together with the scope, so a different secret for the
// same access key ID (a rotated key, another session) can never find
// another secret's key. It holds at most its size in entries: when the
// current generation is full it becomes the previous one and the one
// before is dropped; a hit in the previous generation is promoted. A
// KeyCache is safe for concurrent use; the zero value is not usable.
type KeyCache struct {
	mu        sync.RWMutex
	half      int                               // entries per generation
	cur, prev map[keyCacheKey][sha256.Size]byte // guarded by mu
}

type keyCacheKey struct {
	secret                [sha256.Size]byte // SHA-256 of the secret
	date, region, service string
}

// NewKeyCache returns a cache of at most size signing keys (at least 2).
func NewKeyCache(size int) *KeyCache {
	half := max(size/2, 1)
	return &KeyCache{half: half, cur: make(map[keyCacheKey][sha256.Size]byte, half)}
}

// Key returns SigningKey(secret, date, region, service), from the cache
// when possible.
func (c *KeyCache) Key(secret, date, region, service string) [sha256.Size]byte {
	k := keyCacheKey{secret: secretDigest(secret), date: date, region: region, service: service}
	c.mu.RLock()
	v, ok := c.cur[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[k]; ok {
		return v
	}
	v, ok = c.prev[k]
	if !ok {
		v = SigningKey(secret, date, region, service)
		// Scope strings may be slices of a large header; keep copies.
		k.date, k.region, k.service = strings.Clone(date), strings.Clone(region), strings.Clone(service)
	}
	if len(c.cur) >= c.half {
		c.prev, c.cur = c.cur, make(map[keyCacheKey][sha256.Size]byte, c.half)
	}
	c.cur[k] = v
	return v
}

// Len returns the number of cached keys.
func (c *KeyCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.prev)
}
