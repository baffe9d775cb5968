package agent

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"time"
)

// A cacheKey is the SHA-256 of a service-account token. The cache never
// holds the token itself.
type cacheKey [sha256.Size]byte

// An entry is one token's cached credentials. All fields but the ones
// marked are immutable after creation, so a returned *entry may be read
// without the cache's lock.
type entry struct {
	key       cacheKey
	creds     Credentials
	body      []byte   // the encoded /v1/credentials response
	length    []string // Content-Length header value for body
	refreshAt time.Time

	// guarded by lru.mu
	refreshing bool      // a background refresh is in flight
	retryAt    time.Time // no background refresh before this, after a failed one
}

// An lru is a bounded, least-recently-used cache of entries.
type lru struct {
	max int

	mu sync.Mutex
	m  map[cacheKey]*list.Element // guarded by mu
	ll list.List                  // guarded by mu; front is most recent
}

func newLRU(max int) *lru {
	return &lru{max: max, m: make(map[cacheKey]*list.Element, min(max, 1024))}
}

// lookup returns k's entry if its credentials are unexpired at now, and
// removes it if they have expired. refresh reports that the entry is due
// for a background refresh; lookup then marks it refreshing, so exactly
// one caller sees refresh == true until refreshFailed or put clears it.
func (c *lru) lookup(k cacheKey, now time.Time) (e *entry, refresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		return nil, false
	}
	e = el.Value.(*entry)
	if !now.Before(e.creds.Expiration) {
		c.ll.Remove(el)
		delete(c.m, k)
		return nil, false
	}
	c.ll.MoveToFront(el)
	if !now.Before(e.refreshAt) && !e.refreshing && !now.Before(e.retryAt) {
		e.refreshing = true
		refresh = true
	}
	return e, refresh
}

// put stores e, replacing any entry for its key, and evicts the least
// recently used entries beyond the bound.
func (c *lru) put(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[e.key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.m[e.key] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*entry).key)
	}
}

// remove drops k's entry and reports whether there was one.
func (c *lru) remove(k cacheKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if ok {
		c.ll.Remove(el)
		delete(c.m, k)
	}
	return ok
}

// refreshFailed records a failed refresh of k: the entry stays servable
// until it expires, and no background refresh starts before retryAt.
func (c *lru) refreshFailed(k cacheKey, retryAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		e := el.Value.(*entry)
		e.refreshing = false
		e.retryAt = retryAt
	}
}

// len returns the number of entries.
func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
