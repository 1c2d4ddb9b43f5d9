package mfareset

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// BenchmarkResetSixMethods is one approved reset of a user with a mobile,
// an alternateMobile and an office phone, the Authenticator, a software
// OATH token and a passkey, while every Graph call takes 100 ms: the wall
// time, and the sequential Graph round trips on its critical path (calls
// that overlap in time count once), per default method.
func BenchmarkResetSixMethods(b *testing.B) {
	for _, def := range []struct{ name, id string }{
		{"default=microsoftAuthenticator", samAuthenticator},
		{"default=mobile", directory.PhoneIDMobile},
		{"default=alternateMobile", directory.PhoneIDAlternateMobile},
	} {
		b.Run(def.name, func(b *testing.B) {
			const latency = 100 * time.Millisecond
			var waves, calls int
			for b.Loop() {
				b.StopTimer()
				r := newRig(b, graphdouble.Options{})
				d := r.graph.Double
				d.Update(func(t *graphdouble.Tenant) { // Sam without Windows Hello: the six methods above
					for _, u := range t.Users {
						if u.ID == graphtest.Sam {
							u.AuthenticationMethods = slices.DeleteFunc(u.AuthenticationMethods,
								func(m *graphdouble.AuthMethod) bool { return m.ID == samHello })
						}
					}
				})
				if err := d.SetDefaultMethod(graphtest.Sam, def.id); err != nil {
					b.Fatal(err)
				}
				d.SetLatency(latency)
				q := r.newRequest(graphtest.Sam, graphtest.Mara)
				r.callout(q)
				d.ResetRequests()
				b.StartTimer()
				if p := r.drain(); p != 0 {
					b.Fatal("poisoned")
				}
				b.StopTimer()
				if r.deliveries[0] != 1 {
					b.Fatalf("%d deliveries", r.deliveries[0])
				}
				reqs := d.Requests()
				waves, calls = graphdouble.RoundTrips(reqs), len(reqs)
				b.StartTimer()
			}
			b.ReportMetric(float64(waves), "graph-round-trips")
			b.ReportMetric(float64(calls), "graph-calls")
		})
	}
}

// BenchmarkReset200BothPhones is 200 approved resets, in one run, of users
// who hold a mobile and an alternateMobile phone (and an office phone, the
// Authenticator, a software OATH token and a passkey), the default cycling
// over each kind signInPreferences can name, every Graph call taking
// 50 ms, 20 resets at a time. It reports the deliveries each reset needed
// (1 is every reset done on its first delivery) and the wall time of one
// reset, from its first delivery to its success.
func BenchmarkReset200BothPhones(b *testing.B) {
	const resets, concurrent, latency = 200, 20, 50 * time.Millisecond
	var runs []resetRun
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		seed, users := bothPhonesTenant(b, resets)
		r := newRigWith(b, graphtest.Config{Tenant: seed})
		for _, u := range users {
			r.callout(r.newRequest(u, graphtest.Mara))
		}
		jobs := r.queued()
		if len(jobs) != resets {
			b.Fatalf("%d jobs queued", len(jobs))
		}
		r.graph.Double.SetLatency(latency)
		b.StartTimer()
		start := time.Now()
		runs = r.deliverAll(jobs, concurrent)
		total = time.Since(start)
		b.StopTimer()
		r.graph.Double.SetLatency(0)
		assertAllReset(b, r, users, runs)
		b.StartTimer()
	}
	durations := make([]time.Duration, len(runs))
	deliveries := make([]int64, len(runs))
	for i, x := range runs {
		durations[i], deliveries[i] = x.took, x.deliveries
	}
	slices.Sort(durations)
	b.ReportMetric(float64(slices.Max(deliveries)), "max-deliveries/reset")
	b.ReportMetric(mean(deliveries), "deliveries/reset")
	b.ReportMetric(float64(meanDuration(durations).Milliseconds()), "ms/reset")
	b.ReportMetric(float64(durations[len(durations)*95/100].Milliseconds()), "p95-ms/reset")
	b.ReportMetric(total.Seconds(), "s/200-resets")
}

// resetRun is how one job went: deliveries until success, and how long.
type resetRun struct {
	deliveries int64
	took       time.Duration
	err        error
}

// deliverAll delivers every job until it succeeds (or is given up), n at
// a time, as the host's queue loops would.
func (r *rig) deliverAll(jobs []Job, n int) []resetRun {
	out := make([]resetRun, len(jobs))
	limit := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, j := range jobs {
		limit <- struct{}{}
		wg.Go(func() {
			defer func() { <-limit }()
			start := time.Now()
			deliveries, err := r.deliverUntilDone(j)
			out[i] = resetRun{deliveries: deliveries, took: time.Since(start), err: err}
		})
	}
	wg.Wait()
	return out
}

// assertAllReset checks that every job succeeded and left its user with
// the password and the new pass only.
func assertAllReset(b *testing.B, r *rig, users []string, runs []resetRun) {
	b.Helper()
	for i, x := range runs {
		if x.err != nil {
			b.Fatalf("reset %d: %v", i, x.err)
		}
	}
	for _, u := range users {
		taps := r.graph.Double.IssuedTAPs(u)
		if len(taps) != 1 {
			b.Fatalf("%s: %d passes", u, len(taps))
		}
		for _, m := range r.graph.Double.Methods(u) {
			if m.ID != taps[0].ID {
				b.Fatalf("%s: %s left", u, m.Type)
			}
		}
	}
}

// bothPhonesTenant is the sandbox tenant plus n users managed by Mara,
// each with a mobile, an alternateMobile and an office phone, the
// Authenticator, a software OATH token and a passkey; user i's default is
// the (i mod 5)th of the phones, the Authenticator and the token.
func bothPhonesTenant(b *testing.B, n int) (*graphdouble.Tenant, []string) {
	return graphtest.LoadTenant(b, n, func(i int) *graphdouble.User {
		return graphtest.LoadUser("70000000", "both", i, i%5, graphdouble.MethodPhone, graphdouble.MethodMicrosoftAuthenticator,
			graphdouble.MethodSoftwareOath, graphdouble.MethodFido2)
	})
}

func mean(xs []int64) float64 {
	var sum int64
	for _, x := range xs {
		sum += x
	}
	return float64(sum) / float64(len(xs))
}

func meanDuration(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}
