package mfareset

import (
	"sort"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// BenchmarkResetSixMethods is one approved reset of a user with six MFA
// methods while every Graph call takes 100 ms: the wall time, and the
// sequential Graph round trips on its critical path (calls that overlap in
// time count once).
func BenchmarkResetSixMethods(b *testing.B) {
	const latency = 100 * time.Millisecond
	var waves, calls int
	for b.Loop() {
		b.StopTimer()
		r := newRig(b, graphdouble.Options{})
		r.graph.Double.SetLatency(latency)
		q := r.newRequest(graphtest.Sam, graphtest.Mara)
		r.callout(q)
		r.graph.Double.ResetRequests()
		b.StartTimer()
		if p := r.drain(); p != 0 {
			b.Fatal("poisoned")
		}
		b.StopTimer()
		reqs := r.graph.Double.Requests()
		waves, calls = sequentialRounds(reqs), len(reqs)
		b.StartTimer()
	}
	b.ReportMetric(float64(waves), "graph-round-trips")
	b.ReportMetric(float64(calls), "graph-calls")
}

// sequentialRounds groups calls into rounds: a call that starts before the
// earliest end of the current round runs alongside it.
func sequentialRounds(reqs []graphdouble.LoggedRequest) int {
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].Time.Before(reqs[j].Time) })
	rounds := 0
	var roundEnd time.Time
	for _, r := range reqs {
		end := r.Time.Add(r.Duration)
		if rounds == 0 || !r.Time.Before(roundEnd) {
			rounds++
			roundEnd = end
		} else if end.Before(roundEnd) {
			roundEnd = end
		}
	}
	return rounds
}
