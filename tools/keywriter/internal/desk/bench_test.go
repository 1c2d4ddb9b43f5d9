package desk

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/storage"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

// BenchmarkKeyOverhead is the desk's own time per key: a run of b.N
// users, each written to a fresh software key under the real libfido2
// (one op is one key), with the key's own time taken out. What remains is
// leasing the message, parsing the options, getInfo, the PIN (generated,
// stored in the Key Vault double through azsecrets, set), makeCredential
// through libfido2, the checks, clientDataJSON and the attestation object,
// four synced journal entries, the result sent, the PIN policy, the CSV
// row and the message deleted. services-ms/key is the part of it spent
// waiting for Azurite and the Key Vault double (local, sharing the CPU),
// calls/key the number of those requests: each is a network round trip
// when the desk talks to Azure.
func BenchmarkKeyOverhead(b *testing.B) {
	m := measureRun(b, b.N)
	b.ReportMetric(m.perKey(m.wall-m.authenticator), "overhead-ms/key")
	b.ReportMetric(m.perKey(m.authenticator), "authenticator-ms/key")
	b.ReportMetric(m.perKey(m.services), "services-ms/key")
	b.ReportMetric(float64(m.calls)/float64(m.keys), "calls/key")
}

// BenchmarkRun100Keys is a run that drains 100 pending users onto 100
// fresh software keys, end to end; every result is then registered by the
// Graph double (go-webauthn, attestation enforced) outside the clock.
// Run it with -benchtime 1x.
func BenchmarkRun100Keys(b *testing.B) {
	const keys = 100
	var total runTimes
	for range b.N {
		total.add(measureRun(b, keys))
	}
	b.ReportMetric(total.wall.Seconds()/float64(b.N), "wall-s")
	b.ReportMetric(float64(total.keys)/total.wall.Seconds(), "keys/s")
	b.ReportMetric(total.perKey(total.wall-total.authenticator), "overhead-ms/key")
	b.ReportMetric(total.perKey(total.authenticator), "authenticator-ms/key")
}

// runTimes splits a run's wall time: the keys' own time, and the time
// spent in calls to the queue service and the vault (and their number:
// each is a network round trip against Azure).
type runTimes struct {
	keys, calls                   int
	wall, authenticator, services time.Duration
}

func (t *runTimes) add(o runTimes) {
	t.keys += o.keys
	t.calls += o.calls
	t.wall += o.wall
	t.authenticator += o.authenticator
	t.services += o.services
}

func (t runTimes) perKey(d time.Duration) float64 {
	return float64(d) / float64(t.keys) / float64(time.Millisecond)
}

// measureRun puts n users on the pending queue and times one run that
// writes them all. Only the run is on the benchmark's clock; what it
// wrote is checked afterwards, so a run that skipped work cannot pass
// for a fast one.
func measureRun(b *testing.B, n int) runTimes {
	b.StopTimer()
	r := newRig(b)
	keys := make([]*softctap.Key, n)
	for i, u := range r.addUsers(n) {
		r.pending(u.ID, u.UserPrincipalName)
		keys[i] = r.key(softctap.Options{})
	}
	r.op.offer(keys...)
	run, queues, vault := r.timedRunner()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	r.op.cancel = cancel

	b.StartTimer()
	start := time.Now()
	sum, err := run.Run(ctx)
	wall := time.Since(start)
	b.StopTimer()

	if err != nil || sum.Written != n || sum.Failed != 0 {
		b.Fatalf("run: %v, %d written of %d, %d failed", err, sum.Written, n, sum.Failed)
	}
	r.registerAll(n)
	var busy time.Duration
	for _, k := range keys {
		busy += k.Busy()
	}
	return runTimes{keys: n, wall: wall, authenticator: busy, services: queues.total() + vault.total(),
		calls: queues.count() + vault.count()}
}

// addUsers adds n members to the Graph double's tenant.
func (r *rig) addUsers(n int) []*graphdouble.User {
	users := make([]*graphdouble.User, n)
	for i := range users {
		users[i] = &graphdouble.User{ID: fmt.Sprintf("20000000-0000-4000-8000-%012d", i+1),
			UserPrincipalName: fmt.Sprintf("desk.user%03d@contoso.example", i+1),
			DisplayName:       fmt.Sprintf("Desk User %d", i+1), AccountEnabled: true, UserType: "Member"}
	}
	r.graph.Update(func(tn *graphdouble.Tenant) { tn.Users = append(tn.Users, users...) })
	return users
}

// timedRunner is the rig's runner whose queue and vault clients add up
// the time their requests take. The bus is looked at every microsecond,
// so the wait for the operator's hand (the poll) costs next to nothing.
func (r *rig) timedRunner() (*Runner, *stopwatch, *stopwatch) {
	r.t.Helper()
	s := settings()
	s.Poll = time.Microsecond
	run := r.runner(s)

	queues := &stopwatch{next: http.DefaultClient}
	qopts := storage.ClientOptions() // as the desk's own queue client
	qopts.Transport = queues
	svc, err := azqueue.NewServiceClientFromConnectionString(azurite.Shared(r.t).ConnectionString(),
		&azqueue.ClientOptions{ClientOptions: qopts})
	if err != nil {
		r.t.Fatal(err)
	}
	run.Queues.Service = svc

	vault := &stopwatch{next: r.vault.Client()}
	opts := r.vault.ClientOptions()
	opts.Transport = vault
	sc, err := azsecrets.NewClient(r.vault.URL(), &fake.TokenCredential{}, opts)
	if err != nil {
		r.t.Fatal(err)
	}
	run.PINs = VaultStore{Client: sc, Expiry: 30 * 24 * time.Hour}
	return run, queues, vault
}

// registerAll takes the run's results and has the Graph double register
// each: n keys written means n passkeys Entra accepts.
func (r *rig) registerAll(n int) {
	r.t.Helper()
	res := r.results()
	if len(res) != n {
		r.t.Fatalf("%d results for %d keys", len(res), n)
	}
	for _, x := range res {
		if st, body := r.register(x); st != http.StatusCreated {
			r.t.Fatalf("register %s: %d %v", x.UserID, st, body)
		}
	}
}

// stopwatch is an HTTP transport that counts its requests and adds up
// how long they take.
type stopwatch struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	ns, n atomic.Int64
}

func (s *stopwatch) Do(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := s.next.Do(req)
	s.ns.Add(int64(time.Since(start)))
	s.n.Add(1)
	return resp, err
}

func (s *stopwatch) total() time.Duration { return time.Duration(s.ns.Load()) }
func (s *stopwatch) count() int           { return int(s.n.Load()) }
