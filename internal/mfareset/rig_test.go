package mfareset

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

// rig is the reset against the Graph double (through the real SDK) and a
// ledger on Azurite. Jobs the intake queues are collected; tests deliver
// them to the worker with the dequeue count they choose.
type rig struct {
	t      testing.TB
	graph  *graphtest.Rig
	intake *Intake
	worker *Worker
	logs   *logcapture.Buffer

	mu       sync.Mutex
	jobs     []Job
	handedOn []Job
	// deliveries is how many deliveries each job drained took, in order.
	deliveries []int64
}

func newRig(t testing.TB, opts graphdouble.Options) *rig {
	t.Helper()
	return newRigWith(t, graphtest.Config{Double: opts})
}

// newRigWith is newRig over the tenant and options of c.
func newRigWith(t testing.TB, c graphtest.Config) *rig {
	t.Helper()
	g := graphtest.NewWith(t, c)
	// Sam holds both mobile phones, so every reset test deletes them in
	// the order Graph requires: the alternateMobile before the mobile.
	if _, err := g.Double.AddMethod(graphtest.Sam, graphdouble.AuthMethod{
		Type: graphdouble.MethodPhone, PhoneType: "alternateMobile", PhoneNumber: "+1 2065550199"}); err != nil {
		t.Fatal(err)
	}
	az := azurite.Shared(t)
	svc, err := ledger.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	table, err := ledger.Open[Record](context.Background(), svc, az.NewName("reset"))
	if err != nil {
		t.Fatal(err)
	}
	members, err := ledger.Open[ledger.Membership](context.Background(), svc, az.NewName("members"))
	if err != nil {
		t.Fatal(err)
	}
	log, buf := logcapture.New(slog.LevelDebug)
	r := &rig{t: t, graph: g, logs: buf}
	cfg := config.Reset{
		Stages: []string{"assignmentRequestApproved"}, TAPLifetimeMinutes: 60, MethodTypes: config.ResettableMethods,
		DeliverTo: []string{"manager"}, NotifyUser: true, Resume: true, CAGroupID: sandbox.CAGroupID, Lease: time.Minute,
	}
	r.intake = &Intake{Ledger: table, Enqueue: r.enqueue, Stages: cfg.Stages, Audit: audit.New(log), Now: time.Now, Settle: 100 * time.Millisecond}
	r.worker = &Worker{
		Dir: g.Client, Guard: guard.Guard{Dir: g.Client, ProtectedGroupID: graphtest.ProtectedGroup},
		Ledger: table, Members: members, Cfg: cfg, Sender: graphtest.Sender, Audit: audit.New(log), Instance: "test",
		MaxDequeueCount: 5, Now: time.Now, Log: log,
		Requeue: func(_ context.Context, j Job, _ time.Duration) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.handedOn = append(r.handedOn, j)
			return nil
		},
	}
	return r
}

func (r *rig) enqueue(_ context.Context, j Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, j)
	return nil
}

func (r *rig) queued() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Job(nil), r.jobs...)
}

// request is one access-package request for target by requestor.
type request struct{ ID, Stage, Target, Requestor string }

func (r *rig) newRequest(target, requestor string) request {
	q := request{ID: uuid.NewString(), Stage: uuid.NewString(), Target: target, Requestor: requestor}
	r.graph.Double.AddAssignmentRequest(q.ID)
	return q
}

func (q request) body() []byte {
	b, _ := json.Marshal(map[string]any{
		"AccessPackageAssignmentRequestId": q.ID,
		"CustomExtensionStageInstanceId":   q.Stage,
		"CallbackUriPath":                  "/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/" + q.ID + "/resume",
		"Stage":                            "assignmentRequestApproved",
		"RequestType":                      "UserAdd",
		"AccessPackage":                    map[string]any{"Id": uuid.NewString(), "DisplayName": "MFA reset"},
		"Assignment":                       map[string]any{"Target": map[string]any{"ObjectId": q.Target}},
		"Requestor":                        map[string]any{"ObjectId": q.Requestor},
	})
	return b
}

// callout sends the request through the intake and returns the status.
func (r *rig) callout(q request) int {
	return r.intake.HTTP(context.Background(), hostRequest(q.body())).StatusCode
}

// deliver hands job to the worker as delivery number n of the message.
func (r *rig) deliver(j Job, n int64) error {
	body, _ := json.Marshal(j)
	_, err := r.worker.Queue(context.Background(), &host.QueueMessage{Body: body, DequeueCount: n, ID: uuid.NewString()})
	return err
}

// drain delivers each queued job until it succeeds or reaches the poison
// count, as the host would, and records the deliveries each took.
func (r *rig) drain() (poisoned int) {
	for _, j := range r.queued() {
		n, err := r.deliverUntilDone(j)
		if err != nil {
			poisoned++
		}
		r.mu.Lock()
		r.deliveries = append(r.deliveries, n)
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.jobs = nil
	r.mu.Unlock()
	return poisoned
}

// deliverUntilDone delivers j until a delivery succeeds or the last one
// allowed fails; it returns the number of deliveries and the last error.
func (r *rig) deliverUntilDone(j Job) (int64, error) {
	for n := int64(1); ; n++ {
		err := r.deliver(j, n)
		if err == nil || n >= r.worker.MaxDequeueCount {
			return n, err
		}
	}
}

// approve queues an approved request to reset target, asked for by
// Mara, and drains it; nothing may end in the poison queue.
func (r *rig) approve(target string) request {
	r.t.Helper()
	q := r.newRequest(target, graphtest.Mara)
	if s := r.callout(q); s != 202 {
		r.t.Fatalf("callout: %d", s)
	}
	if p := r.drain(); p != 0 {
		r.t.Fatalf("%d poisoned", p)
	}
	return q
}

// assertFirstDelivery checks that every drained job succeeded on its
// first delivery: nothing was left for a redelivery to finish.
func (r *rig) assertFirstDelivery() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.deliveries) == 0 {
		r.t.Fatal("no job drained")
	}
	for i, n := range r.deliveries {
		if n != 1 {
			r.t.Errorf("job %d took %d deliveries, want 1", i, n)
		}
	}
}

func (r *rig) record(q request) *Record {
	r.t.Helper()
	pk, rk := key(q.ID, q.Stage)
	rec, err := r.worker.Ledger.Get(context.Background(), pk, rk)
	if err != nil {
		r.t.Fatal(err)
	}
	return rec
}

// passMails are the mails that carried one of the user's passes.
func (r *rig) passMails(user string) []graphdouble.SentMail {
	var out []graphdouble.SentMail
	for _, m := range r.graph.Double.Outbox() {
		for _, tap := range r.graph.Double.IssuedTAPs(user) {
			if strings.Contains(m.Body, tap.Value) {
				out = append(out, m)
			}
		}
	}
	return out
}

// resumes are the resume calls for request id.
func (r *rig) resumes(id string) []graphdouble.ResumeCall {
	var out []graphdouble.ResumeCall
	for _, c := range r.graph.Double.ResumeCalls() {
		if c.RequestID == id {
			out = append(out, c)
		}
	}
	return out
}

// assertNoSecretsLogged checks every pass the double minted against the logs.
func (r *rig) assertNoSecretsLogged(users ...string) {
	r.t.Helper()
	logs := r.logs.String()
	for _, u := range users {
		for _, tap := range r.graph.Double.IssuedTAPs(u) {
			if strings.Contains(logs, tap.Value) {
				r.t.Fatal("a pass reached the logs")
			}
		}
	}
}

func detailOf(c graphdouble.ResumeCall) string {
	return fmt.Sprint(c.Data["customExtensionStageInstanceDetail"])
}

func hostRequest(body []byte) *host.HTTPRequest {
	return &host.HTTPRequest{Method: "POST", Headers: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

// crash is the panic value of a simulated crash.
type crash Step

// deliverCrashing delivers j and dies right after the checkpoint at: no
// lease release, no give-up, nothing after it runs.
func (r *rig) deliverCrashing(j Job, n int64, at Step) (crashed bool) {
	r.worker.afterSave = func(s Step) {
		if s == at {
			panic(crash(s))
		}
	}
	defer func() {
		r.worker.afterSave = nil
		if v := recover(); v != nil {
			if _, ok := v.(crash); !ok {
				panic(v)
			}
			crashed = true
		}
	}()
	_ = r.deliver(j, n)
	return false
}
