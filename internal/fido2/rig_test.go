package fido2_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

// The cohort group of the tests: enabled members, a disabled member, a
// guest, protected accounts and a nested group.
const (
	cohort   = "70000000-0000-4000-8000-000000000001"
	nested   = "70000000-0000-4000-8000-000000000002"
	disabled = "10000000-0000-4000-8000-0000000000f1"
)

// eligible are the cohort's users the job enrolls.
var eligible = []string{graphtest.Nora, graphtest.Mara, graphtest.Sam, graphtest.Petra}

// rig runs the three functions in an in-process handler behind the host
// simulator, over Azurite queues and ledger and the Graph double through
// the real SDK; desk plays the keywriter with a software key.
type rig struct {
	t     testing.TB
	graph *graphtest.Rig
	svc   *fido2.Service
	sim   *hostsim.Sim
	qs    *azqueue.ServiceClient
	logs  *logcapture.Buffer
	key   *softkey.Key

	mu  sync.Mutex
	now time.Time // zero: the real clock
}

type rigOptions struct {
	double         graphdouble.Options
	tenant         func(*graphdouble.Tenant)
	refreshExpired bool
	// realSleep waits out Retry-After as the product does; by default
	// the waits are recorded and skipped.
	realSleep bool
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	seed, err := graphdouble.LoadSeed(graphtest.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	addCohort(seed)
	if o.tenant != nil {
		o.tenant(seed)
	}
	r := &rig{t: t}
	o.double.Now = r.clock // Entra and the service share one clock
	g := graphtest.NewWith(t, graphtest.Config{Tenant: seed, Double: o.double, RealSleep: o.realSleep})
	r.graph = g
	az := azurite.Shared(t)
	r.qs = r.queues(az)
	r.svc = r.service(az, g, o)
	r.sim = r.host(az)
	if r.key, err = softkey.New(softkey.Options{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func addCohort(t *graphdouble.Tenant) {
	// The provisioning API works only with the FIDO2 policy on and
	// self-service setup allowed (Graph's known issues).
	t.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true}
	t.Users = append(t.Users, &graphdouble.User{ID: disabled, UserPrincipalName: "dora.disabled@contoso.example",
		DisplayName: "Dora Disabled", AccountEnabled: false, UserType: "Member"})
	t.Groups = append(t.Groups,
		&graphdouble.Group{ID: cohort, DisplayName: "Passkey cohort", SecurityEnabled: true,
			Members: []string{graphtest.Nora, graphtest.Mara, graphtest.Sam, graphtest.Greta, disabled, graphtest.Gina, nested}},
		&graphdouble.Group{ID: nested, DisplayName: "Passkey cohort (nested)", SecurityEnabled: true,
			Members: []string{graphtest.Petra, graphtest.Nora}})
}

// queues empties the fixed-name FIDO2 queues of the shared Azurite, so
// each test starts from none.
func (r *rig) queues(az *azurite.Instance) *azqueue.ServiceClient {
	qs, err := queue.ServiceClient(az.ConnectionString())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, q := range []string{fido2msg.QueueJobs, fido2msg.QueuePending, fido2msg.QueueResults} {
		for _, name := range []string{q, q + "-poison"} {
			if err := queue.EnsureQueue(context.Background(), qs, name); err != nil {
				r.t.Fatal(err)
			}
			if _, err := qs.NewQueueClient(name).ClearMessages(context.Background(), nil); err != nil {
				r.t.Fatal(err)
			}
		}
	}
	return qs
}

func (r *rig) service(az *azurite.Instance, g *graphtest.Rig, o rigOptions) *fido2.Service {
	svc, err := ledger.ServiceClient(az.ConnectionString())
	if err != nil {
		r.t.Fatal(err)
	}
	name := az.NewName("fido")
	ctx := context.Background()
	jobs, err := ledger.Open[fido2.JobRecord](ctx, svc, name)
	if err != nil {
		r.t.Fatal(err)
	}
	pages, _ := ledger.Open[fido2.PageRecord](ctx, svc, name)
	users, _ := ledger.Open[fido2.UserRecord](ctx, svc, name)
	log, buf := logcapture.New(slog.LevelDebug)
	r.logs = buf
	return &fido2.Service{
		Graph: g.Client, Dir: g.Client, Guard: guard.Guard{Dir: g.Client, ProtectedGroupID: graphtest.ProtectedGroup},
		Jobs: jobs, Pages: pages, Users: users, Queues: queue.TextSender{Client: r.qs},
		Cfg:   fido2.Config{Concurrency: 8, MaxDequeueCount: 5, RefreshExpired: o.refreshExpired},
		Audit: audit.New(log), Now: r.clock, Log: log,
	}
}

func (r *rig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.now.IsZero() {
		return time.Now()
	}
	return r.now
}

// advance moves the clock of the service and of Graph forward.
func (r *rig) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = time.Now().Add(d)
}

// host serves the three functions through the custom-handler protocol,
// from our own function.json files.
func (r *rig) host(az *azurite.Instance) *hostsim.Sim {
	srv := host.NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)))
	fns := []host.Function{
		{Name: "Fido2Jobs", Trigger: "req", Route: fido2.Route, Methods: []string{"get", "post"}, HTTPOut: "res", HTTP: r.svc.HTTP},
		{Name: "Fido2Job", Trigger: "job", Queue: r.svc.JobQueue},
		{Name: "Fido2Register", Trigger: "result", Queue: r.svc.ResultQueue},
	}
	srv.Ready(fns)
	hs := httptest.NewServer(srv)
	r.t.Cleanup(hs.Close)
	sim, err := hostsim.New(hostsim.Config{AppRoot: "../..", HandlerURL: hs.URL, StorageConn: az.ConnectionString(), FunctionKey: "k"})
	if err != nil {
		r.t.Fatal(err)
	}
	return sim
}

// post submits a job over HTTP and returns its id.
func (r *rig) post(body map[string]any) string {
	r.t.Helper()
	resp := r.call("POST", "fido2/jobs", body)
	if resp.StatusCode != http.StatusAccepted {
		r.t.Fatalf("POST job: %d %s", resp.StatusCode, resp.Body)
	}
	var out struct{ JobID string }
	if err := json.Unmarshal(resp.Body, &out); err != nil || out.JobID == "" {
		r.t.Fatalf("answer %s", resp.Body)
	}
	return out.JobID
}

func (r *rig) call(method, path string, body any) *hostsim.Response {
	r.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	h := http.Header{"Content-Type": {"application/json"}, "X-Functions-Key": {"k"}}
	resp, err := r.sim.HTTP(context.Background(), "Fido2Jobs", hostsim.Request{Method: method, Path: path, Headers: h, Body: raw})
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

func (r *rig) status(jobID string) fido2.Status {
	r.t.Helper()
	resp := r.call("GET", "fido2/jobs/"+jobID, nil)
	var st fido2.Status
	if resp.StatusCode != http.StatusOK || json.Unmarshal(resp.Body, &st) != nil {
		r.t.Fatalf("status: %d %s", resp.StatusCode, resp.Body)
	}
	return st
}

// drain runs a queue function until its queue is empty.
func (r *rig) drain(fn string) hostsim.DrainResult {
	r.t.Helper()
	res, err := r.sim.DrainQueue(context.Background(), fn, hostsim.DrainOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

// pending takes every message off fido2-pending.
func (r *rig) pending() []fido2msg.Pending {
	r.t.Helper()
	var out []fido2msg.Pending
	q := r.qs.NewQueueClient(fido2msg.QueuePending)
	// A dequeue whose answer outlives the client's try timeout is tried
	// again, and the batch the first try took stays hidden for its
	// visibility timeout: the queue is read until its count, which
	// includes hidden messages, is zero. Messages are told apart by id,
	// so one handed out twice is counted once, and its delete finding it
	// gone is not an error.
	seen := map[string]bool{}
	n, hide := int32(32), int32(30)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		res, err := q.DequeueMessages(context.Background(), &azqueue.DequeueMessagesOptions{NumberOfMessages: &n, VisibilityTimeout: &hide})
		if err != nil {
			r.t.Fatal(err)
		}
		if len(res.Messages) == 0 {
			if r.queueEmpty(q) || time.Now().After(deadline) {
				return out
			}
			time.Sleep(time.Second)
			continue
		}
		for _, m := range res.Messages {
			if !seen[*m.MessageID] {
				seen[*m.MessageID] = true
				var p fido2msg.Pending
				if err := fido2msg.DecodeText(*m.MessageText, fido2msg.TypePending, &p); err != nil {
					r.t.Fatal(err)
				}
				out = append(out, p)
			}
			_, err := q.DeleteMessage(context.Background(), *m.MessageID, *m.PopReceipt, nil)
			if err != nil && !queueerror.HasCode(err, queueerror.MessageNotFound) {
				r.t.Fatal(err)
			}
		}
	}
}

// queueEmpty says whether q holds no message, hidden ones included.
func (r *rig) queueEmpty(q *azqueue.QueueClient) bool {
	r.t.Helper()
	props, err := q.GetProperties(context.Background(), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if c := props.ApproximateMessagesCount; c != nil && *c > 0 {
		r.t.Logf("%d hidden messages on %s: waiting for them", *c, fido2msg.QueuePending)
		return false
	}
	return true
}

// writeOne posts a job for one user, expands it and plays the desk for
// its one pending message, returning the job id and the message.
func (r *rig) writeOne(userID string, challengeMinutes int) (string, fido2msg.Pending) {
	r.t.Helper()
	jobID := r.post(map[string]any{"userIds": []string{userID}, "challengeTimeoutMinutes": challengeMinutes})
	r.drain("Fido2Job")
	p := r.pending()
	if len(p) != 1 {
		r.t.Fatalf("pending %d, want 1", len(p))
	}
	r.write(p[0])
	return jobID, p[0]
}

// write plays the desk for one pending message: the software key makes
// the credential and the result goes to fido2-results.
func (r *rig) write(p fido2msg.Pending, faults ...softkey.Fault) {
	r.t.Helper()
	c, err := r.key.Register(p.CreationOptions, faults...)
	if err != nil {
		r.t.Fatalf("key for %s: %v", p.User.UPN, err)
	}
	r.sendResult(fido2msg.NewResult(fido2msg.Result{
		JobID: p.JobID, UserID: p.User.ID, DisplayName: fido2msg.RenderDisplayName(p.DisplayNameTemplate, "Soft Key", "0001", time.Now()),
		Credential: fido2msg.Credential{ID: b64(c.ID), ClientDataJSON: b64(c.ClientDataJSON), AttestationObject: b64(c.AttestationObject)},
		Key:        fido2msg.KeyInfo{Model: "Soft Key", Serial: "0001"}, WrittenAt: time.Now(), Workstation: "desk-1",
	}))
}

func (r *rig) sendResult(res fido2msg.Result) {
	r.t.Helper()
	text, err := fido2msg.Encode(res)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := queue.EnqueueText(context.Background(), r.qs, fido2msg.QueueResults, text); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) sendJob(j fido2msg.Job) {
	r.t.Helper()
	text, err := fido2msg.Encode(fido2msg.NewJob(j))
	if err != nil {
		r.t.Fatal(err)
	}
	if err := queue.EnqueueText(context.Background(), r.qs, fido2msg.QueueJobs, text); err != nil {
		r.t.Fatal(err)
	}
}

// poisoned counts messages in a queue's poison queue.
func (r *rig) poisoned(q string) int {
	r.t.Helper()
	props, err := r.qs.NewQueueClient(q+"-poison").GetProperties(context.Background(), nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return int(*props.ApproximateMessagesCount)
}

// fido2Methods lists a user's passkeys on the double.
func (r *rig) fido2Methods(user string) []graphdouble.AuthMethod {
	var out []graphdouble.AuthMethod
	r.graph.Double.View(func(t *graphdouble.Tenant) {
		for _, u := range t.Users {
			if u.ID != user {
				continue
			}
			for _, m := range u.AuthenticationMethods {
				if m.Type == graphdouble.MethodFido2 {
					out = append(out, *m)
				}
			}
		}
	})
	return out
}

// auditEvents returns the audit lines of an action.
func (r *rig) auditEvents(action string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(r.logs.String(), "\n") {
		if !strings.Contains(line, `"action":"`+action+`"`) {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func ids(ps []fido2msg.Pending) map[string]int {
	out := map[string]int{}
	for _, p := range ps {
		out[p.User.ID]++
	}
	return out
}

func sameSet(got map[string]int, want []string) error {
	for _, id := range want {
		if got[id] != 1 {
			return fmt.Errorf("user %s: %d messages, want 1 (%d users have messages, want %d)", id, got[id], len(got), len(want))
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d users have messages, want %d", len(got), len(want))
	}
	return nil
}
