package graph

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"
)

// simulate drives the pacer in virtual time: a worker that could send 1,000
// requests a second, each answered at once, throttled when limit says so.
// It returns the accepted and throttled requests per second over the last
// ten of thirty seconds, once the pacer has settled.
func simulate(t *testing.T, limit func(at time.Time) bool) (accepted, throttled float64) {
	t.Helper()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base
	p := &adaptivePacer{now: func() time.Time { return now }}
	settled, end := base.Add(20*time.Second), base.Add(30*time.Second)
	var ok, refused int
	for now.Before(end) {
		if start, paced := p.reserve(); paced && start.After(now) {
			now = start
		}
		thr := limit(now)
		p.done(thr)
		if !now.Before(settled) {
			if thr {
				refused++
			} else {
				ok++
			}
		}
		now = now.Add(time.Millisecond)
	}
	return float64(ok) / 10, float64(refused) / 10
}

// Graph's limit: 200 requests in any second. The pacer settles just under
// it: at least 90% used, and 429s a small share of what is sent.
func TestPacerSettlesUnderALimit(t *testing.T) {
	var admitted []time.Time
	accepted, throttled := simulate(t, func(at time.Time) bool {
		for len(admitted) > 0 && at.Sub(admitted[0]) >= time.Second {
			admitted = admitted[1:]
		}
		if len(admitted) >= 200 {
			return true
		}
		admitted = append(admitted, at)
		return false
	})
	t.Logf("accepted %.1f/s, throttled %.1f/s", accepted, throttled)
	if accepted < 180 || throttled > 0.05*(accepted+throttled) {
		t.Errorf("accepted %.1f/s, throttled %.1f/s; want at least 180/s and under 5%% throttled", accepted, throttled)
	}
}

// 429s that come at the same share whatever the pace (a tenant budget spent
// by another app, a fault) must not starve the worker: slowing down does
// not cure them, so the pacer holds instead of lowering for each.
func TestPacerHoldsUnderRandomThrottling(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	accepted, throttled := simulate(t, func(time.Time) bool { return rng.Float64() < 0.1 })
	t.Logf("accepted %.1f/s, throttled %.1f/s", accepted, throttled)
	if accepted < 400 {
		t.Errorf("accepted %.1f/s of a possible 900/s: the pacer starved the worker", accepted)
	}
}

// Unpaced, the pacer never delays a request.
func TestPacerStartsUnpaced(t *testing.T) {
	p := &adaptivePacer{}
	for range 100 {
		p.done(false)
		if _, paced := p.reserve(); paced {
			t.Fatal("paced without a 429")
		}
	}
}

// A 429 among the first answers says nothing of a rate: pacing on it
// would start a worker at one request a second.
func TestPacerIgnoresAnEarly429(t *testing.T) {
	p := &adaptivePacer{}
	p.done(true)
	for range 5 {
		p.done(false)
	}
	p.done(true)
	if _, paced := p.reserve(); paced {
		t.Errorf("paced at %.1f/s after two 429s among seven answers", p.Rate())
	}
}

// workers runs the pacer in virtual time as the FIDO2 expansion uses it:
// 64 requests in flight, each answered 50 ms after it is sent, a throttled
// one waiting out its Retry-After (whole seconds) before it is sent again,
// against a limit of 200 requests in any second. It returns the requests
// admitted in each second of a 30-second run.
func workers(t *testing.T, seed uint64) []int {
	t.Helper()
	const limit, inFlight = 200, 64
	rng := rand.New(rand.NewPCG(seed, 1))
	latency := func() time.Duration {
		return 30*time.Millisecond + time.Duration(rng.Int64N(int64(40*time.Millisecond)))
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base
	p := &adaptivePacer{now: func() time.Time { return now }}
	var admitted []time.Time // the server's window
	perSecond := make([]int, 30)
	q := &events{}
	for range inFlight {
		heap.Push(q, event{at: base, kind: ready})
	}
	for q.Len() > 0 {
		e := heap.Pop(q).(event)
		now = e.at
		if now.Sub(base) >= 30*time.Second {
			break
		}
		switch e.kind {
		case ready:
			start, paced := p.reserve()
			if !paced || start.Before(now) {
				start = now
			}
			heap.Push(q, event{at: start, kind: send})
		case send:
			for len(admitted) > 0 && now.Sub(admitted[0]) >= time.Second {
				admitted = admitted[1:]
			}
			e.kind, e.at, e.wait = answered, now.Add(latency()), 0
			if len(admitted) >= limit {
				e.wait = (time.Second - now.Sub(admitted[0]) + time.Second - 1).Truncate(time.Second)
			} else {
				admitted = append(admitted, now)
				perSecond[int(now.Sub(base)/time.Second)]++
			}
			heap.Push(q, e)
		case answered:
			p.done(e.wait > 0)
			heap.Push(q, event{at: now.Add(e.wait + time.Duration(rng.Int64N(int64(20*time.Millisecond)))), kind: ready}) // and the worker's own time
		}
	}
	return perSecond
}

type eventKind int

const (
	ready eventKind = iota
	send
	answered
)

type event struct {
	at   time.Time
	kind eventKind
	wait time.Duration // Retry-After of a throttled answer
}

// events is a min-heap of events by time.
type events []event

func (h events) Len() int           { return len(h) }
func (h events) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h events) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *events) Push(x any)        { *h = append(*h, x.(event)) }
func (h *events) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// After an unpaced burst fills Graph's window, the next second admits
// little; a pace taken from that second alone starts well below the limit,
// and one taken from the burst's speed well above it (a second storm when
// the refused requests come back). With 64 requests in flight, jittered
// answers and Retry-After waited, the whole run uses at least 95% of the
// limit, and every second from the third on at least 92.5% (the second is
// the window refilling after the burst).
func TestPacerAfterABurst(t *testing.T) {
	for seed := range uint64(20) {
		checkBurst(t, seed, workers(t, seed))
	}
}

func checkBurst(t *testing.T, seed uint64, perSecond []int) {
	total := 0
	for i, n := range perSecond {
		total += n
		if i >= 2 && n < 185 {
			t.Errorf("seed %d: second %d admitted %d of 200", seed, i, n)
		}
	}
	use := float64(total) / float64(len(perSecond)*200)
	t.Logf("seed %d: used %.1f%%, admitted per second %v", seed, use*100, perSecond)
	if use < 0.95 {
		t.Errorf("seed %d: used %.0f%% of the limit over the run; want at least 95%%", seed, use*100)
	}
}

// Unpaced, a 429 is judged by the answers after it: a limit refuses most
// of them and sets a pace near what Graph accepted; a 429 among accepted
// answers sets none.
func TestPacerJudgesAnUnpaced429(t *testing.T) {
	for _, c := range []struct {
		name      string
		refused   int // of the 20 answers after the first 429
		wantPaced bool
	}{
		{"a limit: the window is full", 20, true},
		{"half refused", 10, true},
		{"one in ten refused", 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			p := &adaptivePacer{now: func() time.Time { return now }}
			answer := func(throttled bool) { now = now.Add(time.Millisecond); p.done(throttled) }
			for range 200 {
				answer(false)
			}
			answer(true)
			for i := range 20 {
				answer(i < c.refused)
			}
			rate := p.Rate()
			if paced := rate > 0; paced != c.wantPaced {
				t.Fatalf("paced at %.1f/s; want paced %v", rate, c.wantPaced)
			}
			if c.wantPaced && (rate < 180 || rate > 200) {
				t.Errorf("paced at %.1f/s after Graph accepted 200 in the second; want 95%% of it", rate)
			}
		})
	}
}

// A spell in which Graph refuses everything says nothing of a rate: it sets
// no pace (which would be one request a second), and leaves a pace as it was.
func TestPacerIgnoresARefuseAllSpell(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &adaptivePacer{now: func() time.Time { return now }}
	for range 100 {
		now = now.Add(30 * time.Millisecond)
		p.done(true)
	}
	if rate := p.Rate(); rate != 0 {
		t.Errorf("paced at %.1f/s after answers that were all 429s", rate)
	}
}
