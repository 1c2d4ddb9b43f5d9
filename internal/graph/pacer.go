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
// a lowering raises it by 3%, probing for the limit again; far above any
// limit it stops pacing. Only the throttled request itself waits out
// Retry-After (retry.go): the others go on at the lower pace.
//
// Lowering is what cures a rate limit, and only that: after a lowering,
// Graph's limit shows as 429s that stop (or at least change share) at the
// lower pace. 429s that keep coming at the same share whatever the pace
// (another app spending the tenant's budget, a service-side fault) are not
// ours to cure by slowing down; lowering again for each of them would
// starve the worker down to one request a second. So a 429 lowers the pace
// at most once a second, and only if the pace is unset, a second passed
// without any 429, or the share of 429s moved since the last lowering.
type adaptivePacer struct {
	mu      sync.Mutex
	now     func() time.Time // time.Now; a virtual clock in tests
	rate    float64          // requests per second; 0 = unpaced
	next    time.Time        // earliest start of the next request
	raised  time.Time        // when the pace last rose
	lowered time.Time        // when the pace was last lowered
	share   float64          // share of 429s that last lowering answered
	first   time.Time        // first answer seen: the window's span until a second has passed
	last429 time.Time        // the latest 429
	answers []answer         // the last second's answers
}

type answer struct {
	at        time.Time
	throttled bool
}

// paceCeiling is where pacing stops: no Graph limit is that high.
const paceCeiling = 5000

// wait blocks until the request may start.
func (p *adaptivePacer) wait(ctx context.Context) error {
	if p == nil {
		return nil
	}
	start, paced := p.reserve()
	if !paced {
		return nil
	}
	return sleep(ctx, start.Sub(p.clock()))
}

// reserve books the next start time; paced is false when no pace is set.
func (p *adaptivePacer) reserve() (start time.Time, paced bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rate == 0 {
		return time.Time{}, false
	}
	now := p.clock()
	p.raise(now)
	start = p.next
	if start.Before(now) {
		start = now
	}
	p.next = start.Add(time.Duration(float64(time.Second) / p.rate))
	return start, true
}

// raise adds 3% per second since the last change (called with mu held).
func (p *adaptivePacer) raise(now time.Time) {
	if now.Sub(p.raised) < time.Second || now.Sub(p.lowered) < time.Second {
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
	now := p.clock()
	p.record(now, throttled)
	if !throttled {
		return
	}
	quiet := now.Sub(p.last429) >= time.Second
	p.last429 = now
	if len(p.answers) < minEvidence {
		return // a 429 among the first answers says nothing of a rate: Retry-After covers it
	}
	if p.rate > 0 && now.Sub(p.lowered) < time.Second {
		return // answers to requests sent before the last lowering
	}
	accepted, share := p.tally(now)
	if p.rate > 0 && !quiet && share >= p.share/2 && share <= p.share*2 {
		return // the last lowering did not change the share: not a limit we exceed
	}
	p.rate = max(1, 0.9*accepted)
	p.share, p.lowered = share, now
}

// minEvidence is how many answers in the last second a lowering needs.
const minEvidence = 20

// record keeps the last second's answers (called with mu held).
func (p *adaptivePacer) record(now time.Time, throttled bool) {
	if p.first.IsZero() {
		p.first = now
	}
	cut := 0
	for cut < len(p.answers) && now.Sub(p.answers[cut].at) >= time.Second {
		cut++
	}
	p.answers = append(p.answers[cut:], answer{at: now, throttled: throttled})
}

// tally returns the accepted answers per second and the share of 429s. In
// the first second the window is shorter: the count is scaled to a second,
// or the first burst of 429s would pace a fast worker at a handful a second.
func (p *adaptivePacer) tally(now time.Time) (perSecond, share float64) {
	n := 0
	for _, a := range p.answers {
		if a.throttled {
			n++
		}
	}
	span := min(time.Second, max(now.Sub(p.first), 10*time.Millisecond))
	return float64(len(p.answers)-n) / span.Seconds(), float64(n) / float64(len(p.answers))
}

func (p *adaptivePacer) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// Rate reports the current pace (0: unpaced), for tests and logs.
func (p *adaptivePacer) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}
