package graph

import (
	"context"
	"sync"
	"time"
)

// adaptivePacer spaces the client's requests once Graph has throttled it, so a
// busy worker backs off to just under the tenant's limit instead of
// trading 429s with Graph. It starts unpaced. A 429 sets the pace to 90%
// of the requests Graph accepted in the last second; every second without
// one raises it by 3%, probing for the limit again; far above any limit it
// stops pacing. Only the throttled request itself waits out Retry-After
// (retry.go): the others go on at the lower pace, which Graph accepts.
type adaptivePacer struct {
	mu       sync.Mutex
	rate     float64     // requests per second; 0 = unpaced
	next     time.Time   // earliest start of the next request
	raised   time.Time   // when rate last changed
	accepted []time.Time // answers other than 429 in the last second
}

// paceCeiling is where pacing stops: no Graph limit is that high.
const paceCeiling = 5000

// wait blocks until the request may start.
func (p *adaptivePacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	if p.rate == 0 {
		p.mu.Unlock()
		return nil
	}
	now := time.Now()
	p.raise(now)
	start := p.next
	if start.Before(now) {
		start = now
	}
	p.next = start.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	return sleep(ctx, time.Until(start))
}

// raise adds 3% per second without a 429 (called with mu held).
func (p *adaptivePacer) raise(now time.Time) {
	if now.Sub(p.raised) < time.Second {
		return
	}
	p.rate *= 1.03
	p.raised = now
	if p.rate > paceCeiling {
		p.rate = 0
	}
}

// done records an answer; throttled is a 429.
func (p *adaptivePacer) done(throttled bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	cut := 0
	for cut < len(p.accepted) && now.Sub(p.accepted[cut]) >= time.Second {
		cut++
	}
	p.accepted = p.accepted[cut:]
	if !throttled {
		p.accepted = append(p.accepted, now)
		return
	}
	if now.Sub(p.raised) < 200*time.Millisecond && p.rate > 0 {
		return // one burst of 429s lowers the pace once
	}
	p.rate = max(1, 0.9*float64(len(p.accepted)))
	p.raised = now
}

// Rate reports the current pace (0: unpaced), for tests and logs.
func (p *adaptivePacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}
