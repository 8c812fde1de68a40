package web

import (
	"sync"
	"time"

	"github.com/scribe-health/scribe/internal/auth"
)

// Credentials (password hashing, TOTP, recovery codes, API tokens) belong
// to internal/auth; the web app uses its primitives under these names.
var (
	randomToken = auth.RandomToken
	hashToken   = auth.HashToken
	equalTokens = auth.EqualTokens
)

// ---- per-address rate limit on sign-in attempts ----

// rateLimiter allows burst attempts per key, refilling one every interval.
type rateLimiter struct {
	mu       sync.Mutex
	burst    float64
	interval time.Duration
	buckets  map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newRateLimiter(burst int, interval time.Duration) *rateLimiter {
	return &rateLimiter{burst: float64(burst), interval: interval, buckets: map[string]*bucket{}}
}

func (l *rateLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 10000 { // bound memory: drop buckets that are full again
			for k, v := range l.buckets {
				if now.Sub(v.at) > time.Duration(l.burst)*l.interval {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
