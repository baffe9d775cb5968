package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

// SigningKey derives the SigV4 signing key:
// HMAC chain "AWS4"+secret → date → region → service → "aws4_request".
func SigningKey(secret, date, region, service string) [sha256.Size]byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k[:], region)
	k = hmacSHA256(k[:], service)
	return hmacSHA256(k[:], Terminator)
}

func hmacSHA256(key []byte, msg string) [sha256.Size]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	var out [sha256.Size]byte
	m.Sum(out[:0])
	return out
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
	k := keyCacheKey{secret: sha256.Sum256([]byte(secret)), date: date, region: region, service: service}
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
