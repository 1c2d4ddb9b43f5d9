package graph

import (
	"context"
	"sync"
	"time"
)

// adaptivePacer spaces the client's requests once Graph has throttled it, so a
// busy worker backs off to just under the tenant's limit instead of
// trading 429s with Graph. It starts unpaced. Once Graph's answers show a
// limit, the pace is set to 95% of the most requests Graph accepted in any
// second of the last two; every second without a lowering raises it by
// 3%, probing for the limit again; far above any limit it stops pacing.
// Only the throttled request itself waits out Retry-After (retry.go): the
// others go on at the lower pace.
//
// Telling a limit from other 429s. Lowering cures a rate limit, and only
// that. 429s that come at the same share whatever the pace (another app
// spending the tenant's budget, a service-side fault) are not ours to cure
// by slowing down; lowering for each of them would starve the worker down
// to one request a second. So:
//   - Unpaced, a 429 is judged by the next answers: a limit refuses nearly
//     all of them (its window is full), other 429s leave most accepted.
//     Only a limit sets a pace.
//   - Paced, a 429 lowers the pace at most once a second, and only if a
//     second passed without any 429 (the pace probed past the limit) or
//     the share of 429s moved since the last lowering.
//
// Why the best second of two, not the last one: under Graph's sliding
// window the last second can be nearly empty although the limit is not
// (after a burst fills the window, nothing is admitted until it ages out),
// and the answers to requests Graph accepted just before a 429 may not
// have come back yet. Pacing on that would start a worker far below its
// limit, so the raise also lifts the pace to 95% of the best second.
type adaptivePacer struct {
	mu      sync.Mutex
	now     func() time.Time // time.Now; a virtual clock in tests
	rate    float64          // requests per second; 0 = unpaced
	next    time.Time        // earliest start of the next request
	raised  time.Time        // when the pace last rose
	lowered time.Time        // when the pace was last lowered
	share   float64          // share of 429s that last lowering answered
	last429 time.Time        // the latest 429
	answers []answer         // the last second's answers
	ok      int              // accepted answers among them
	peaks   []peak           // accepted per second: a falling run of window maxima over the last two seconds
	judging *judgement       // an unpaced 429 waiting for the answers after it
}

type answer struct {
	at        time.Time
	throttled bool
}

// peak is the accepted answers in the second ending at at.
type peak struct {
	at time.Time
	ok int
}

// judgement counts the answers after an unpaced 429.
type judgement struct{ answers, throttled int }

const (
	// paceCeiling is where pacing stops: no Graph limit is that high.
	paceCeiling = 5000
	// lowerTo is the share of the accepted rate a limit paces at: low
	// enough that the probing raise takes two seconds to reach the limit
	// again, high enough that the saw-tooth stays within a few percent.
	lowerTo = 0.95
	// minEvidence is how many answers in the last second a lowering needs:
	// a 429 among the first answers says nothing of a rate, and its own
	// Retry-After covers it.
	minEvidence = 20
	// judgeAfter is how many answers after an unpaced 429 decide whether
	// it was a limit.
	judgeAfter = 20
	// peakSpan is how far back the best second is looked for.
	peakSpan = 2 * time.Second
)

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

// raise adds 3% per second since the last change and lifts the pace to at
// least 95% of the best second of the last two (called with mu held).
func (p *adaptivePacer) raise(now time.Time) {
	if now.Sub(p.raised) < time.Second || now.Sub(p.lowered) < time.Second {
		return
	}
	p.rate = max(p.rate*1.03, lowerTo*float64(p.best(now)))
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
	if p.rate == 0 {
		p.judge(now, throttled)
		return
	}
	if !throttled {
		return
	}
	quiet := now.Sub(p.last429) >= time.Second
	p.last429 = now
	if len(p.answers) < minEvidence || now.Sub(p.lowered) < time.Second {
		return // too few answers, or answers to requests sent before the last lowering
	}
	share := p.share429()
	if !quiet && share >= p.share/2 && share <= p.share*2 {
		return // the last lowering did not change the share: not a limit we exceed
	}
	p.lower(now, share)
}

// judge decides, unpaced, whether a 429 was a limit (called with mu held):
// it opens a judgement on a 429 with enough answers behind it, and paces
// when at least half of the next judgeAfter answers are 429s too.
func (p *adaptivePacer) judge(now time.Time, throttled bool) {
	if throttled {
		p.last429 = now
	}
	if p.judging == nil {
		if throttled && len(p.answers) >= minEvidence {
			p.judging = &judgement{}
		}
		return
	}
	p.judging.answers++
	if throttled {
		p.judging.throttled++
	}
	if p.judging.answers < judgeAfter {
		return
	}
	limit := 2*p.judging.throttled >= p.judging.answers
	p.judging = nil
	if limit {
		p.lower(now, p.share429())
	}
}

// lower paces at 95% of the best second (called with mu held). When
// Graph accepted nothing for two seconds it is refusing everything (an
// outage, a long Retry-After): that says nothing of a rate, and a pace of
// one request a second would take minutes of 3% raises to recover.
// Retry-After governs such a spell alone.
func (p *adaptivePacer) lower(now time.Time, share float64) {
	best := p.best(now)
	if best == 0 {
		return
	}
	p.rate = lowerTo * float64(best)
	p.share, p.lowered = share, now
}

// record keeps the last second's answers (called with mu held).
func (p *adaptivePacer) record(now time.Time, throttled bool) {
	cut := 0
	for cut < len(p.answers) && now.Sub(p.answers[cut].at) >= time.Second {
		if !p.answers[cut].throttled {
			p.ok--
		}
		cut++
	}
	p.answers = append(p.answers[cut:], answer{at: now, throttled: throttled})
	if !throttled {
		p.ok++
	}
	p.keepPeak(now)
}

// keepPeak records the window's accepted count as a candidate for the best
// second: a monotonic queue, so the best of the last two seconds is at its
// head and each answer costs O(1) amortised (called with mu held).
func (p *adaptivePacer) keepPeak(now time.Time) {
	p.best(now)
	for len(p.peaks) > 0 && p.peaks[len(p.peaks)-1].ok <= p.ok {
		p.peaks = p.peaks[:len(p.peaks)-1]
	}
	p.peaks = append(p.peaks, peak{at: now, ok: p.ok})
}

// best drops the peaks older than peakSpan and returns the best second
// left (called with mu held).
func (p *adaptivePacer) best(now time.Time) int {
	drop := 0
	for drop < len(p.peaks) && now.Sub(p.peaks[drop].at) >= peakSpan {
		drop++
	}
	p.peaks = p.peaks[drop:]
	if len(p.peaks) == 0 {
		return 0
	}
	return p.peaks[0].ok
}

// share429 is the last second's share of 429s (called with mu held).
func (p *adaptivePacer) share429() float64 {
	return float64(len(p.answers)-p.ok) / float64(len(p.answers))
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
