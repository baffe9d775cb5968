package oidc

import (
	"container/list"
	"encoding/binary"
	"sync"
	"time"
)

// A tokenEntry records a token whose signature verified: its parsed claims,
// the issuer state and key that verified it, and its expiry.
type tokenEntry struct {
	claims *Claims
	state  *issuerState
	key    *verificationKey
	exp    time.Time
}

// tokenShards spreads the cache over independently locked LRUs so that
// concurrent verifications of different tokens rarely contend.
const tokenShards = 16

// A tokenCache maps the SHA-256 of a verified token to its entry. It is a
// set of bounded LRUs; entries also expire at the token's exp. Keys are
// hashes, so the cache never holds a token.
type tokenCache struct {
	shards [tokenShards]tokenShard
}

type tokenShard struct {
	mu  sync.Mutex
	max int
	// ll orders entries from most to least recently used; m indexes it.
	// Both are guarded by mu.
	ll *list.List
	m  map[[32]byte]*list.Element
}

type cacheItem struct {
	key [32]byte
	e   *tokenEntry
}

func newTokenCache(size int) *tokenCache {
	c := &tokenCache{}
	per := (size + tokenShards - 1) / tokenShards
	for i := range c.shards {
		c.shards[i] = tokenShard{max: per, ll: list.New(), m: make(map[[32]byte]*list.Element)}
	}
	return c
}

func (c *tokenCache) shard(k [32]byte) *tokenShard {
	return &c.shards[binary.LittleEndian.Uint32(k[:4])%tokenShards]
}

// get returns the live entry for k, or nil. An entry whose token has expired
// at now is removed.
func (c *tokenCache) get(k [32]byte, now time.Time) *tokenEntry {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.m[k]
	if !ok {
		return nil
	}
	it := el.Value.(*cacheItem)
	if !now.Before(it.e.exp) {
		s.ll.Remove(el)
		delete(s.m, k)
		return nil
	}
	s.ll.MoveToFront(el)
	return it.e
}

// put stores e under k, evicting the least recently used entry of the shard
// when it is full.
func (c *tokenCache) put(k [32]byte, e *tokenEntry) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.m[k]; ok {
		el.Value.(*cacheItem).e = e
		s.ll.MoveToFront(el)
		return
	}
	s.m[k] = s.ll.PushFront(&cacheItem{key: k, e: e})
	for s.ll.Len() > s.max {
		old := s.ll.Back()
		s.ll.Remove(old)
		delete(s.m, old.Value.(*cacheItem).key)
	}
}

// len returns the number of entries, for tests.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += s.ll.Len()
		s.mu.Unlock()
	}
	return n
}
