package graphdouble

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateLimit models Graph's request throttling: at most limit requests in
// any one-second window per tenant; the rest are answered 429 with a
// Retry-After (whole seconds) until the window has room again
// (learn.microsoft.com/graph/throttling). Refused requests do not count:
// Graph does not serve them.
type rateLimit struct {
	mu       sync.Mutex
	limit    int
	admitted []time.Time // admission times within the last second, oldest first
	refused  int
}

// SetRateLimit throttles the double to perSecond requests in any second
// (0 turns throttling off).
func (d *Double) SetRateLimit(perSecond int) {
	d.rate.mu.Lock()
	defer d.rate.mu.Unlock()
	d.rate.limit, d.rate.admitted, d.rate.refused = perSecond, nil, 0
}

// Throttled counts the requests the rate limit refused.
func (d *Double) Throttled() int {
	d.rate.mu.Lock()
	defer d.rate.mu.Unlock()
	return d.rate.refused
}

// admit records a request and returns 0, or how long until it would be
// admitted.
func (r *rateLimit) admit(now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.limit <= 0 {
		return 0
	}
	cut := 0
	for cut < len(r.admitted) && now.Sub(r.admitted[cut]) >= time.Second {
		cut++
	}
	r.admitted = r.admitted[cut:]
	if len(r.admitted) < r.limit {
		r.admitted = append(r.admitted, now)
		return 0
	}
	r.refused++
	return time.Second - now.Sub(r.admitted[0])
}

// throttleFault is the 429 of a refused request: Retry-After rounds the
// wait up to whole seconds, as the header carries them.
func throttleFault(wait time.Duration) *Fault {
	secs := int((wait + time.Second - 1) / time.Second)
	return &Fault{Status: http.StatusTooManyRequests, RetryAfter: strconv.Itoa(max(secs, 1))}
}
