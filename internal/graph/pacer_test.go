package graph

import (
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
