package main

// Scale-out: two real handler processes share Azurite's queues and tables
// and one Graph double, as instances of one Function App do.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

// loadTenant is the sandbox tenant plus n users with seven MFA methods
// each, both mobile phones among them, all managed by Mara. The default
// cycles over the mobile, the alternateMobile, the Authenticator and the
// software OATH token.
func loadTenant(t testing.TB, n int) (*graphdouble.Tenant, []string) {
	return graphtest.LoadTenant(t, n, func(i int) *graphdouble.User {
		return graphtest.LoadUser("60000000", "load", i, i%4, graphdouble.MethodMicrosoftAuthenticator, graphdouble.MethodSoftwareOath,
			graphdouble.MethodFido2, graphdouble.MethodWindowsHelloForBusiness, graphdouble.MethodEmail)
	})
}

// instance is one handler process and the host loops that feed it.
type instance struct {
	proc   *hostsim.Process
	sim    *hostsim.Sim
	cancel context.CancelFunc
	loops  sync.WaitGroup

	mu     sync.Mutex
	failed []error // invocations that failed, so their message came back
}

func startInstance(t testing.TB, bin string, env map[string]string, az *azurite.Instance) *instance {
	t.Helper()
	proc, err := hostsim.StartHandler(context.Background(), bin, env)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := hostsim.New(hostsim.Config{AppRoot: "..", HandlerURL: proc.URL, FunctionKey: testFunctionKey, StorageConn: az.ConnectionString()})
	if err != nil {
		proc.Stop()
		t.Fatal(err)
	}
	return &instance{proc: proc, sim: sim}
}

// run starts n queue loops, as the host runs several messages at once.
func (in *instance) run(n int) {
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	for range n {
		in.loops.Go(func() {
			for ctx.Err() == nil {
				res, err := in.sim.DrainQueue(ctx, "MfaReset", hostsim.DrainOptions{Lease: 5 * time.Second})
				in.mu.Lock()
				in.failed = append(in.failed, res.Errors...)
				in.mu.Unlock()
				if err != nil || res.Invocations == 0 {
					sleepCtx(ctx, 200*time.Millisecond)
				}
			}
		})
	}
}

// failures are the invocations that failed (a loop cut off by stopLoops
// fails none: its message simply comes back after the lease).
func (in *instance) failures() []error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]error(nil), in.failed...)
}

func (in *instance) stopLoops() {
	if in.cancel != nil {
		in.cancel()
	}
	in.loops.Wait()
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (in *instance) callout(t testing.TB, token, body string) {
	resp, err := in.sim.HTTP(context.Background(), "AccessPackageCallout", hostsim.Request{Method: "POST", Body: []byte(body),
		Headers: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + token}, "X-Functions-Key": {testFunctionKey}}})
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Errorf("callout: %v %+v", err, resp)
	}
}

// TestScaleOutKillAndRestart: 50 requests, each callout delivered three
// times at once across two instances; one instance is SIGKILLed mid-run
// and restarted. Every request ends with one reset, one pass, one mail
// with it, one resume; no invocation fails (only those the kill cut off
// run again); nothing is poisoned; no pass is in any output.
func TestScaleOutKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("scale-out run takes about a minute")
	}
	const n = 50
	seed, users := loadTenant(t, n)
	sb, err := sandbox.StartTenant(seed, graphdouble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	az := azurite.ForTest(t)
	env := sb.HandlerEnv(az.ConnectionString())
	env["RESET_LEASE_SECONDS"] = "30"
	bin := handlerBinary(t)
	a, b := startInstance(t, bin, env, az), startInstance(t, bin, env, az)
	outputs := []*hostsim.Process{a.proc, b.proc}
	defer func() {
		a.stopLoops()
		b.stopLoops()
		a.proc.Stop()
		b.proc.Stop()
	}()

	requests := sendCallouts(t, sb, users, a, b)
	a.run(3)
	b.run(3)
	waitResumes(t, sb, n/5, 60*time.Second)
	a.stopLoops() // the instance dies with its host: its loops stop too
	a.proc.Kill()
	failed := a.failures()
	a = startInstance(t, bin, env, az)
	outputs = append(outputs, a.proc)
	a.run(3)
	waitResumes(t, sb, n, 150*time.Second)

	assertOnePassEach(t, sb, users, requests)
	if p := queueLength(t, az, "mfa-reset-poison"); p != 0 {
		t.Errorf("%d messages poisoned", p)
	}
	a.stopLoops()
	b.stopLoops()
	a.proc.Stop()
	b.proc.Stop()
	if failed = append(append(failed, a.failures()...), b.failures()...); len(failed) != 0 {
		t.Errorf("%d invocations failed, e.g. %v", len(failed), failed[0])
	}
	handedBack := 0
	for _, p := range outputs {
		out := p.Stdout() + p.Stderr()
		handedBack += strings.Count(out, "job handed back for later")
		for _, u := range users {
			for _, tap := range sb.Graph.IssuedTAPs(u) {
				if strings.Contains(out, tap.Value) {
					t.Fatal("a pass reached a handler's output")
				}
			}
		}
	}
	t.Logf("claim conflicts (jobs handed back): %d", handedBack)
}

// sendCallouts delivers each request's callout three times at once: twice
// to a, once to b.
func sendCallouts(t *testing.T, sb *sandbox.Sandbox, users []string, a, b *instance) map[string]string {
	requests := map[string]string{}
	token := sb.RelayToken()
	var wg sync.WaitGroup
	limit := make(chan struct{}, 8)
	for _, u := range users {
		id := uuid.NewString()
		sb.Graph.AddAssignmentRequest(id)
		requests[u] = id
		body := calloutBody(id, u)
		for _, in := range []*instance{a, b, a} {
			wg.Go(func() {
				limit <- struct{}{}
				defer func() { <-limit }()
				in.callout(t, token, body)
			})
		}
	}
	wg.Wait()
	return requests
}

func waitResumes(t *testing.T, sb *sandbox.Sandbox, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for len(sb.Graph.ResumeCalls()) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests resumed after %v", len(sb.Graph.ResumeCalls()), want, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func assertOnePassEach(t *testing.T, sb *sandbox.Sandbox, users []string, requests map[string]string) {
	t.Helper()
	d := sb.Graph
	resumes := map[string]int{}
	for _, c := range d.ResumeCalls() {
		resumes[c.RequestID]++
	}
	for _, u := range users {
		taps := d.IssuedTAPs(u)
		if len(taps) != 1 {
			t.Errorf("%s: %d passes created", u, len(taps))
			continue
		}
		mails := 0
		for _, m := range d.Outbox() {
			if strings.Contains(m.Body, taps[0].Value) {
				mails++
			}
		}
		if mails != 1 || resumes[requests[u]] != 1 {
			t.Errorf("%s: %d mails with the pass, %d resumes", u, mails, resumes[requests[u]])
		}
		for _, m := range d.Methods(u) {
			if m.Type != graphdouble.MethodPassword && m.ID != taps[0].ID {
				t.Errorf("%s: %s left", u, m.Type)
			}
		}
	}
}

func queueLength(t testing.TB, az *azurite.Instance, name string) int {
	t.Helper()
	svc, err := queue.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	props, err := svc.NewQueueClient(name).GetProperties(context.Background(), &azqueue.GetQueuePropertiesOptions{})
	var re interface{ Error() string }
	if errors.As(err, &re) && strings.Contains(err.Error(), "QueueNotFound") {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return int(*props.ApproximateMessagesCount)
}

// BenchmarkResetThroughput: 20 approved resets with every Graph call
// taking 100 ms, worked by one instance or by two (three queue loops
// each). Reports jobs per second and claim conflicts (jobs handed back).
func BenchmarkResetThroughput(b *testing.B) {
	for _, instances := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", instances), func(b *testing.B) {
			const jobs = 20
			var rate float64
			var conflicts int
			for b.Loop() {
				b.StopTimer()
				seed, users := loadTenant(b, jobs)
				sb, err := sandbox.StartTenant(seed, graphdouble.Options{})
				if err != nil {
					b.Fatal(err)
				}
				sb.Graph.SetLatency(100 * time.Millisecond)
				az := azurite.ForTest(b)
				env := sb.HandlerEnv(az.ConnectionString())
				var ins []*instance
				for range instances {
					ins = append(ins, startInstance(b, handlerBinary(b), env, az))
				}
				token := sb.RelayToken()
				for _, u := range users {
					id := uuid.NewString()
					sb.Graph.AddAssignmentRequest(id)
					ins[0].callout(b, token, calloutBody(id, u))
				}
				b.StartTimer()
				start := time.Now()
				for _, in := range ins {
					in.run(3)
				}
				for len(sb.Graph.ResumeCalls()) < jobs {
					time.Sleep(20 * time.Millisecond)
				}
				rate = jobs / time.Since(start).Seconds()
				b.StopTimer()
				conflicts = 0
				for _, in := range ins {
					in.stopLoops()
					in.proc.Stop()
					conflicts += strings.Count(in.proc.Stdout(), "job handed back for later")
				}
				sb.Close()
				b.StartTimer()
			}
			b.ReportMetric(rate, "jobs/s")
			b.ReportMetric(float64(conflicts), "conflicts")
		})
	}
}
