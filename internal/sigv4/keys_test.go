package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKeyCache(t *testing.T) {
	c := NewKeyCache(8)
	k1 := c.Key("secret-one", "20260101", "us-east-1", "sts")
	if k1 != SigningKey("secret-one", "20260101", "us-east-1", "sts") {
		t.Fatal("cached key differs from SigningKey")
	}
	if c.Key("secret-one", "20260101", "us-east-1", "sts") != k1 || c.Len() != 1 {
		t.Fatal("second lookup missed")
	}
	// Same scope, another secret (a rotated key, another session): never
	// the first secret's key.
	k2 := c.Key("secret-two", "20260101", "us-east-1", "sts")
	if k2 == k1 || k2 != SigningKey("secret-two", "20260101", "us-east-1", "sts") {
		t.Fatal("another secret got the first secret's key")
	}
	for _, scope := range [][3]string{{"20260102", "us-east-1", "sts"}, {"20260101", "us-west-2", "sts"}, {"20260101", "us-east-1", "iam"}} {
		if c.Key("secret-one", scope[0], scope[1], scope[2]) != SigningKey("secret-one", scope[0], scope[1], scope[2]) {
			t.Fatalf("scope %v", scope)
		}
	}
}

func TestKeyCacheBounded(t *testing.T) {
	c := NewKeyCache(100)
	for i := range 1000 {
		c.Key(fmt.Sprint("secret", i), "20260101", "us-east-1", "sts")
		if c.Len() > 100 {
			t.Fatalf("after %d inserts the cache holds %d keys", i+1, c.Len())
		}
	}
	// A key from the previous generation is promoted, not recomputed wrong.
	c = NewKeyCache(4)
	c.Key("a", "d", "r", "s")
	c.Key("b", "d", "r", "s")
	c.Key("c", "d", "r", "s") // rotates: a, b now in prev
	if c.Key("a", "d", "r", "s") != SigningKey("a", "d", "r", "s") || c.Len() > 4 {
		t.Fatal("promotion")
	}
	if NewKeyCache(0).Key("a", "d", "r", "s") != SigningKey("a", "d", "r", "s") {
		t.Fatal("size 0")
	}
}

func TestKeyCacheConcurrent(t *testing.T) {
	c := NewKeyCache(16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				s := fmt.Sprint("secret", (g*7+i)%40)
				if c.Key(s, "20260101", "us-east-1", "sts") != SigningKey(s, "20260101", "us-east-1", "sts") {
					t.Error("wrong key under concurrency")
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestHMACSHA256 checks the allocation-free HMAC against crypto/hmac for
// keys and messages of every length around the block and buffer sizes.
func TestHMACSHA256(t *testing.T) {
	for _, kl := range []int{0, 1, 31, 32, 33, 63, 64, 65, 128, 200} {
		for _, ml := range []int{0, 1, 55, 56, 64, 130, 447, 448, 449, 1000} {
			key := bytes.Repeat([]byte{byte(kl + 1)}, kl)
			msg := bytes.Repeat([]byte{byte(ml + 7)}, ml)
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			if got := hmacSHA256(key, msg); !bytes.Equal(got[:], m.Sum(nil)) {
				t.Fatalf("key %d bytes, message %d bytes: mismatch", kl, ml)
			}
		}
	}
	long := strings.Repeat("s", 300) // secrets longer than the stack buffers
	if SigningKey(long, "d", "r", "s") != NewKeyCache(2).Key(long, "d", "r", "s") {
		t.Fatal("long secret")
	}
}

func TestParseAmzDate(t *testing.T) {
	for _, v := range []string{"20260101T000000Z", "20241231T235959Z", "20240229T120000Z", "00010101T000000Z", "99991231T235959Z"} {
		want, _ := time.Parse(TimeFormat, v)
		if got, ok := parseAmzDate(v); !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseAmzDate(%q) = %v, %v", v, got, ok)
		}
	}
	for _, v := range []string{"", "20260101T000000", "20260101t000000Z", "2026-1-01T000000Z", "20261301T000000Z", "20260001T000000Z", "20260100T000000Z",
		"20260431T000000Z", "20250229T000000Z", "20260101T240000Z", "20260101T006000Z", "20260101T000060Z", "2026010 T000000Z", "+2026010T000000Z"} {
		if got, ok := parseAmzDate(v); ok {
			t.Errorf("parseAmzDate(%q) accepted: %v", v, got)
		}
	}
}
