package e2e_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/phonesync"
)

// loadUser is one of the benchmark's users and the result it must get.
type loadUser struct {
	id, upn, source, mobile string // mobile: registered number, "" none
	overwriteNull           bool
	want                    string // expected result
	final                   string // mobile number expected afterwards, "" none
}

// loadUsers makes n users, a fifth in each state: new (created), changed
// (updated), same (unchanged), emptied with OverwriteNull (deleted), and
// an invalid source (error: nothing written).
func loadUsers(n int) []loadUser {
	out := make([]loadUser, n)
	for i := range out {
		u := loadUser{id: fmt.Sprintf("40000000-0000-4000-8000-%012d", i), upn: fmt.Sprintf("load%04d@contoso.example", i)}
		number := fmt.Sprintf("+1 425%03d%04d", 200+i%700, i)
		switch i % 5 {
		case 0:
			u.source, u.want, u.final = number, phonesync.Created, number
		case 1:
			u.source, u.mobile, u.want, u.final = number, fmt.Sprintf("+1 206%03d%04d", 200+i%700, i), phonesync.Updated, number
		case 2:
			u.source, u.mobile, u.want, u.final = number, number, phonesync.Unchanged, number
		case 3:
			u.mobile, u.overwriteNull, u.want = number, true, phonesync.Deleted
		case 4:
			u.source, u.mobile, u.want, u.final = "ask HR", number, phonesync.Failed, number
		}
		out[i] = u
	}
	return out
}

func loadTenant(tb testing.TB, users []loadUser) *graphdouble.Tenant {
	seed, err := graphdouble.LoadSeed(graphtest.SeedPath())
	if err != nil {
		tb.Fatal(err)
	}
	for _, lu := range users {
		u := &graphdouble.User{ID: lu.id, UserPrincipalName: lu.upn, AccountEnabled: true, UserType: "Member"}
		if lu.source != "" {
			u.OnPremisesExtensionAttributes = map[string]string{extensionAttr: lu.source}
		}
		if lu.mobile != "" {
			u.AuthenticationMethods = []*graphdouble.AuthMethod{{Type: graphdouble.MethodPhone, PhoneType: "mobile", PhoneNumber: lu.mobile}}
		}
		seed.Users = append(seed.Users, u)
	}
	return seed
}

func loadBody(users []loadUser) string {
	parts := make([]string, len(users))
	for i, u := range users {
		parts[i] = fmt.Sprintf(`{"UserPrincipalName":%q,"OverwriteNull":"%d"}`, u.upn, map[bool]int{true: 1}[u.overwriteNull])
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// loadRig is the double under load and a client of it. realSleep clients
// wait out every Retry-After for real; the others record the waits and
// go on at once (graphtest's behaviour), which hides the waiting.
type loadRig struct {
	double *graphdouble.Double
	client *graph.Client
	waits  atomic.Int64 // retry waits recorded instead of slept
	fault  *graphdouble.FaultHandle
}

func newLoadRig(tb testing.TB, users []loadUser, latency time.Duration, realSleep bool) *loadRig {
	r := &loadRig{double: graphdouble.New(loadTenant(tb, users), graphdouble.Options{Seed: 42})}
	srv := httptest.NewServer(r.double)
	tb.Cleanup(srv.Close)
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	retry := graph.RetryPolicy{MaxAttempts: 5}
	if !realSleep {
		retry.Sleep = func(context.Context, time.Duration) error { r.waits.Add(1); return nil }
	}
	var err error
	r.client, err = graph.New(graph.Config{
		BaseURL: srv.URL + "/v1.0", Scope: "https://graph.microsoft.com/.default", Credential: &fake.TokenCredential{},
		Transport: srv.Client().Transport, Retry: retry, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	r.double.SetLatency(latency)
	r.fault = r.double.AddFault(graphdouble.Fault{Path: "/v1.0/**", Probability: 0.1, Status: http.StatusTooManyRequests, RetryAfter: "1"})
	return r
}

func (r *loadRig) service(concurrency int) *phonesync.Service {
	return &phonesync.Service{
		Phones: r.client,
		Guard:  guard.Guard{Dir: r.client, ProtectedGroupID: graphtest.ProtectedGroup},
		Cfg: config.PhoneSync{Source: "onPremisesExtensionAttributes.extensionAttribute15", BatchLimit: 1000,
			Concurrency: concurrency, TimeBudget: 200 * time.Second},
		Audit: audit.New(slog.New(slog.NewJSONHandler(io.Discard, nil))),
	}
}

// checkLoad compares every result and every user's phones afterwards. A
// user whose calls were throttled on every attempt (0.1^5 per call) is an
// honest "error, send again" and is counted, not failed, provided nothing
// was written: the phone must be what it was before. The throttling shows
// as "throttled" from the phone calls and as Graph's 429 from the
// protection check.
func checkLoad(tb testing.TB, users []loadUser, results []phonesync.Result, d *graphdouble.Double) (throttledOut int) {
	tb.Helper()
	wrong := 0
	for i, u := range users {
		got := ""
		for _, m := range d.Methods(u.id) {
			if m.PhoneType == "mobile" {
				got = m.PhoneNumber
			}
		}
		reason := results[i].Reason
		if results[i].Result == phonesync.Failed && got == u.mobile &&
			(strings.Contains(reason, "throttled") || strings.Contains(reason, "status 429")) {
			throttledOut++
			continue
		}
		if results[i].Result != u.want || got != u.final {
			if wrong++; wrong <= 5 {
				tb.Errorf("%s: %s (%s), mobile %q; want %s, %q", u.upn, results[i].Result, results[i].Reason, got, u.want, u.final)
			}
		}
	}
	if wrong > 0 {
		tb.Fatalf("%d of %d users wrong", wrong, len(users))
	}
	return throttledOut
}

// BenchmarkSync1000 is the measure: 1,000 users in one call, every
// Graph call delayed 50 ms, 10% answered 429 with Retry-After: 1. The
// "real-wait" variants sleep every Retry-After; "recorded-wait" ones only
// record it (as graphtest does), so their time is latency alone.
//
//	go test -run '^$' -bench Sync1000 -benchtime 1x ./internal/phonesync/
func BenchmarkSync1000(b *testing.B) {
	users := loadUsers(1000)
	body := loadBody(users)
	for _, c := range []struct {
		name        string
		realSleep   bool
		concurrency int
	}{{"real-wait/c32", true, 32}, {"real-wait/c64", true, 64}, {"real-wait/c100", true, 100}, {"recorded-wait/c100", false, 100}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				r := newLoadRig(b, users, 50*time.Millisecond, c.realSleep)
				svc := r.service(c.concurrency)
				entries, bad := phonesync.ParseBody([]byte(body), 1000)
				if bad != nil {
					b.Fatal(bad)
				}
				b.StartTimer()
				start := time.Now()
				results := svc.Run(context.Background(), entries, "bench", "")
				took := time.Since(start)
				b.StopTimer()
				b.ReportMetric(float64(checkLoad(b, users, results, r.double)), "throttled-out")
				b.ReportMetric(took.Seconds(), "wall-s")
				b.ReportMetric(float64(len(r.double.Requests())), "graph-requests")
				b.ReportMetric(float64(r.fault.Fired()), "429s")
				b.StartTimer()
			}
		})
	}
}

// TestSyncLoadSmall runs the benchmark's scenario on 100 users in every
// test run, so the measure cannot rot: real waits, results checked.
func TestSyncLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds")
	}
	users := loadUsers(100)
	r := newLoadRig(t, users, 20*time.Millisecond, true)
	entries, bad := phonesync.ParseBody([]byte(loadBody(users)), 1000)
	if bad != nil {
		t.Fatal(bad)
	}
	results := r.service(32).Run(context.Background(), entries, "test", "")
	checkLoad(t, users, results, r.double)
	if r.fault.Fired() == 0 {
		t.Error("no 429 was injected")
	}
}
