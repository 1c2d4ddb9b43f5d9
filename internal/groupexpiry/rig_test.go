package groupexpiry_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/groupexpiry"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

// Sandbox ids (internal/graphdouble/testdata/tenant.json).
const (
	caGroup  = sandbox.CAGroupID // Nora is its only member
	helpdesk = "20000000-0000-4000-8000-000000000004"
	nora     = graphtest.Nora
	mara     = graphtest.Mara
	una      = graphtest.Una
	milo     = graphtest.Milo
	petra    = graphtest.Petra
	sam      = graphtest.Sam
)

// t0 is "now" in every test; the window is the default 3 h.
var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// rig is the timer against the Graph double through the real SDK, and the
// membership ledger on Azurite.
type rig struct {
	t      testing.TB
	graph  *graphtest.Rig
	double *graphdouble.Double
	client *graph.Client
	ledger *ledger.Table[ledger.Membership, *ledger.Membership]
	clock  *clock.Fake
	logs   *logcapture.Buffer
	timer  *groupexpiry.Timer
}

type rigOptions struct {
	tenant *graphdouble.Tenant // nil: the sandbox tenant
	group  string              // default: the sandbox CA group
	// realSleep makes the client really wait (Retry-After, the audit
	// log's pacing), as in production; otherwise waits are recorded.
	realSleep bool
	double    graphdouble.Options
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	if o.group == "" {
		o.group = caGroup
	}
	r := &rig{t: t, clock: clock.New(t0)}
	o.double.Now = r.clock.Now
	r.graph = graphtest.NewWith(t, graphtest.Config{Tenant: o.tenant, Double: o.double, RealSleep: o.realSleep})
	r.double, r.client = r.graph.Double, r.graph.Client
	r.ledger = r.openLedger()
	log, buf := logcapture.New(slog.LevelDebug)
	r.logs = buf
	r.timer = &groupexpiry.Timer{
		Graph: r.client, Passes: r.client, Ledger: r.ledger, GroupID: o.group,
		Cfg:   config.GroupExpiry{Schedule: config.DefaultGroupExpirySchedule, Window: 3 * time.Hour, UnknownMembers: config.UnknownRemove},
		Audit: audit.New(log), Log: log, Now: r.clock.Now,
	}
	t.Cleanup(r.assertRefGuard)
	return r
}

func (r *rig) openLedger() *ledger.Table[ledger.Membership, *ledger.Membership] {
	az := azurite.Shared(r.t)
	svc, err := ledger.ServiceClient(az.ConnectionString())
	if err != nil {
		r.t.Fatal(err)
	}
	tab, err := ledger.Open[ledger.Membership](context.Background(), svc, az.NewName("members"))
	if err != nil {
		r.t.Fatal(err)
	}
	return tab
}

func (r *rig) recordedWaits() []time.Duration { return r.graph.Waits() }

// assertRefGuard runs after every test: no directory object was deleted
// and no DELETE went to /groups/{id}/members/{id} without /$ref.
func (r *rig) assertRefGuard() {
	if del := r.double.DeletedObjects(); len(del) != 0 {
		r.t.Errorf("directory objects deleted: %+v", del)
	}
	for _, q := range r.double.RequestsMatching("DELETE", "/v1.0/groups/**") {
		if !strings.HasSuffix(q.Path, "/$ref") {
			r.t.Errorf("a DELETE without /$ref: %s", q)
		}
	}
}

// run invokes the timer as the host would (IsPastDue false).
func (r *rig) run() error {
	return r.timer.Run(context.Background(), &host.TimerInfo{Last: r.clock.Now().Add(-15 * time.Minute), Next: r.clock.Now().Add(15 * time.Minute)})
}

// join puts users into the group straight in the tenant (no audit entry).
func (r *rig) join(group string, ids ...string) {
	r.double.Update(func(t *graphdouble.Tenant) {
		for _, g := range t.Groups {
			if g.ID == group {
				g.Members = append(g.Members, ids...)
			}
		}
	})
}

// recordJoin writes the ledger record the MFA reset writes when it adds
// the user, ago before t0.
func (r *rig) recordJoin(user string, ago time.Duration) {
	r.t.Helper()
	if err := r.ledger.Upsert(context.Background(), ledger.NewMembership(caGroup, user, "req-"+user[len(user)-4:], t0.Add(-ago))); err != nil {
		r.t.Fatal(err)
	}
}

// auditJoin adds an "Add member to group" entry ago before t0, in Graph's
// shape, as if someone had added the user by hand.
func (r *rig) auditJoin(group, user string, ago time.Duration) {
	r.double.AddAudit(addEntry(group, user, t0.Add(-ago)))
}

func addEntry(group, user string, at time.Time) graphdouble.DirectoryAudit {
	return graphdouble.DirectoryAudit{
		ActivityDateTime: at, ActivityDisplayName: "Add member to group", Category: "GroupManagement",
		LoggedByService: "Core Directory", OperationType: "Assign", Result: "success",
		InitiatedBy: graphdouble.AuditInitiator{User: &graphdouble.UserIdentity{ID: graphtest.Mara}},
		TargetResources: []graphdouble.TargetResource{
			{ID: user, Type: "User", ModifiedProperties: []graphdouble.ModifiedProperty{{DisplayName: "Group.ObjectID", NewValue: `"` + group + `"`}}},
			{ID: group, Type: "Group"},
		},
	}
}

func (r *rig) members() map[string]bool {
	out := map[string]bool{}
	for _, id := range r.double.GroupMembers(caGroup) {
		out[id] = true
	}
	return out
}

func (r *rig) records() map[string]*ledger.Membership {
	r.t.Helper()
	pk, _ := ledger.MembershipKeys(caGroup, "")
	list, err := r.ledger.List(context.Background(), "PartitionKey eq '"+pk+"'")
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[string]*ledger.Membership{}
	for _, m := range list {
		out[m.UserID] = m
	}
	return out
}

// events returns the audit events of one action, decoded.
func (r *rig) events(action string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(r.logs.String(), "\n") {
		var e struct {
			Msg   string         `json:"msg"`
			Audit map[string]any `json:"audit"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "audit" && e.Audit["action"] == action {
			out = append(out, e.Audit)
		}
	}
	return out
}

// summary is the last run's summary line.
func (r *rig) summary() map[string]any {
	r.t.Helper()
	s := r.events("groupexpiry.run")
	if len(s) == 0 {
		r.t.Fatal("no summary line")
	}
	return s[len(s)-1]
}

// byTarget indexes events by target id.
func byTarget(events []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, e := range events {
		id, _ := e["target_id"].(string)
		out[id] = e
	}
	return out
}

// counts picks summary fields as ints, for compact comparisons.
func counts(s map[string]any, keys ...string) map[string]int {
	out := map[string]int{}
	for _, k := range keys {
		f, _ := s[k].(float64)
		out[k] = int(f)
	}
	return out
}
