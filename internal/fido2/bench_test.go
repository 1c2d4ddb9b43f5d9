package fido2_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// bigGroup is a group of n users: 90% enabled members, 5% disabled, 5%
// guests, a quarter of them in nested groups (one also directly, so the
// transitive list holds them once). It returns the eligible user ids.
func bigGroup(n int) (func(*graphdouble.Tenant), []string) {
	const root = "71000000-0000-4000-8000-000000000000"
	var eligible []string
	for i := range n {
		if i%20 != 7 && i%20 != 13 {
			eligible = append(eligible, fmt.Sprintf("72000000-0000-4000-8000-%012d", i))
		}
	}
	return func(t *graphdouble.Tenant) {
		rootGroup := &graphdouble.Group{ID: root, DisplayName: "Big cohort", SecurityEnabled: true}
		var sub *graphdouble.Group
		for i := range n {
			id := fmt.Sprintf("72000000-0000-4000-8000-%012d", i)
			u := &graphdouble.User{ID: id, UserPrincipalName: fmt.Sprintf("user%06d@contoso.example", i),
				DisplayName: fmt.Sprintf("User %d", i), AccountEnabled: true, UserType: "Member"}
			switch i % 20 {
			case 7:
				u.AccountEnabled = false
			case 13:
				u.UserType = "Guest"
			}
			t.Users = append(t.Users, u)
			if i%4 == 0 { // nested, a group per 500
				if sub == nil || len(sub.Members) == 500 {
					sub = &graphdouble.Group{ID: fmt.Sprintf("73000000-0000-4000-8000-%012d", i), SecurityEnabled: true,
						DisplayName: fmt.Sprintf("Sub cohort %d", i)}
					t.Groups = append(t.Groups, sub)
					rootGroup.Members = append(rootGroup.Members, sub.ID)
				}
				sub.Members = append(sub.Members, id)
				if i%8 == 0 {
					rootGroup.Members = append(rootGroup.Members, id) // also direct
				}
				continue
			}
			rootGroup.Members = append(rootGroup.Members, id)
		}
		t.Groups = append(t.Groups, rootGroup)
	}, eligible
}

const bigRoot = "71000000-0000-4000-8000-000000000000"

// expand submits a job for the big group and drains fido2-jobs; it
// returns the wall time of the expansion and the invocations that failed
// (each costs a redelivery after the visibility timeout, so a slow run
// says why).
func (r *rig) expand(tb testing.TB, includeProtected bool) (time.Duration, int) {
	tb.Helper()
	start := time.Now()
	r.post(map[string]any{"groupId": bigRoot, "challengeTimeoutMinutes": 120, "includeProtected": includeProtected})
	failed := 0
	for range 100 {
		res := r.drain("Fido2Job")
		failed += res.Failed
		if res.Invocations == 0 {
			break
		}
	}
	return time.Since(start), failed
}

// countPending counts the messages on fido2-pending per user.
func (r *rig) countPending() map[string]int { return ids(r.pending()) }

// benchConcurrency is FIDO2_CONCURRENCY in the benchmarks.
var benchConcurrency = 64

// benchLatency is what every Graph call takes in the benchmarks.
var benchLatency = 50 * time.Millisecond

// BenchmarkExpandThroughput is the expansion of a 2,000-member group
// (1,800 eligible) while every Graph call takes 50 ms: users per second,
// with the protection check (the default) and without it.
func BenchmarkExpandThroughput(b *testing.B) {
	for _, includeProtected := range []bool{false, true} {
		b.Run(fmt.Sprintf("protectionCheck=%v", !includeProtected), func(b *testing.B) {
			seed, eligible := bigGroup(2000)
			var perSec, eligiblePerSec float64
			var failed int
			for b.Loop() {
				b.StopTimer()
				r := newRig(b, rigOptions{tenant: seed})
				r.svc.Cfg.Concurrency = benchConcurrency
				r.graph.Double.SetLatency(benchLatency)
				b.StartTimer()
				took, f := r.expand(b, includeProtected)
				b.StopTimer()
				if err := sameSet(r.countPending(), eligible); err != nil {
					b.Fatal(err)
				}
				perSec, eligiblePerSec = float64(2000)/took.Seconds(), float64(len(eligible))/took.Seconds()
				failed += f
				b.StartTimer()
			}
			b.ReportMetric(perSec, "users/s")
			b.ReportMetric(eligiblePerSec, "eligible/s")
			b.ReportMetric(float64(failed), "failed-invocations")
		})
	}
}

// BenchmarkExpandThrottled is the same expansion with Graph allowing 200
// requests per second: the share of that limit used and the 429s seen.
func BenchmarkExpandThrottled(b *testing.B) {
	const limit = 200
	seed, eligible := bigGroup(1000)
	var used, throttled, settledUse, settled429 float64
	for b.Loop() {
		b.StopTimer()
		r := newRig(b, rigOptions{tenant: seed, realSleep: true}) // Retry-After waited, as in production
		r.svc.Cfg.Concurrency = benchConcurrency
		r.graph.Double.SetLatency(50 * time.Millisecond)
		r.graph.Double.SetRateLimit(limit)
		r.graph.Double.ResetRequests()
		b.StartTimer()
		took, _ := r.expand(b, false)
		b.StopTimer()
		if err := sameSet(r.countPending(), eligible); err != nil {
			b.Fatal(err)
		}
		reqs := r.graph.Double.Requests()
		used = float64(served(reqs, time.Time{})) / took.Seconds() / limit * 100
		throttled = float64(r.graph.Double.Throttled())
		settledUse, settled429 = settledShare(reqs, limit)
		b.StartTimer()
	}
	b.ReportMetric(used, "%-of-limit")
	b.ReportMetric(throttled, "429s")
	b.ReportMetric(settledUse, "%-of-limit-median-second")
	b.ReportMetric(settled429, "429s-settled")
}

// served counts the requests Graph answered with anything but 429 from
// the time from on.
func served(reqs []graphdouble.LoggedRequest, from time.Time) int {
	n := 0
	for _, q := range reqs {
		if q.Status != http.StatusTooManyRequests && !q.Time.Before(from) {
			n++
		}
	}
	return n
}

// settledShare is the share of the limit used in the median second, and
// the 429s seen, once the pace has found the limit: from two seconds after
// the first 429 (no client can know the limit before Graph refuses
// something) to the last second in which at least half the limit was used
// (after it, a few stragglers wait out their Retry-After).
func settledShare(reqs []graphdouble.LoggedRequest, limit int) (usePercent, throttled float64) {
	var first time.Time
	perSecond := map[int64]int{}
	for _, q := range reqs {
		if q.Status == http.StatusTooManyRequests {
			if first.IsZero() {
				first = q.Time
			}
			continue
		}
		perSecond[q.Time.Unix()]++
	}
	if first.IsZero() {
		return 0, 0
	}
	from, last := first.Add(2*time.Second).Unix(), first.Unix()
	for sec, n := range perSecond {
		if n >= limit/2 && sec > last {
			last = sec
		}
	}
	var counts []int
	for sec := from; sec < last; sec++ {
		counts = append(counts, perSecond[sec])
	}
	for _, q := range reqs {
		if sec := q.Time.Unix(); q.Status == http.StatusTooManyRequests && sec >= from && sec < last {
			throttled++
		}
	}
	if len(counts) == 0 {
		return 0, throttled
	}
	slices.Sort(counts)
	return float64(counts[len(counts)/2]) / float64(limit) * 100, throttled
}

// BenchmarkExpand10kWithFaults expands a 10,000-member group over several
// pages while 5% of Graph's answers fail (503) or are lost after being
// applied: every eligible user gets exactly one pending message.
func BenchmarkExpand10kWithFaults(b *testing.B) {
	seed, eligible := bigGroup(10000)
	for b.Loop() {
		b.StopTimer()
		r := newRig(b, rigOptions{tenant: seed})
		r.svc.Cfg.Concurrency = 64
		r.graph.Double.AddFault(graphdouble.Fault{Probability: 0.025, Status: http.StatusServiceUnavailable})
		r.graph.Double.AddFault(graphdouble.Fault{Probability: 0.025, Drop: true})
		b.StartTimer()
		took, failed := r.expand(b, true)
		b.StopTimer()
		got := r.countPending()
		if err := sameSet(got, eligible); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(got)), "users-pending")
		b.ReportMetric(float64(len(eligible)), "users-eligible")
		b.ReportMetric(float64(failed), "failed-invocations")
		b.ReportMetric(took.Seconds(), "wall-s")
		b.StartTimer()
	}
}
