package groupexpiry_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// The measured group: 5,000 members, 10 % of them past their window.
// 4,000 joined through a reset (ledger), 1,000 by hand (audit log only).
const (
	benchMembers        = 5000
	benchLedgered       = 4000
	benchExpiredLedger  = 400 // of the ledgered
	benchExpiredByAudit = 100 // of the rest
	benchGroup          = "2b000000-0000-4000-8000-000000000001"
)

func benchUser(i int) string { return fmt.Sprintf("3b000000-0000-4000-8000-%012d", i) }

// benchTenant builds the tenant in Go: the users, the group holding all of
// them, and the audit entries of the hand-made joins.
func benchTenant() *graphdouble.Tenant {
	t := &graphdouble.Tenant{}
	g := &graphdouble.Group{ID: benchGroup, DisplayName: "CA-Temporary-TAP-Registration", SecurityEnabled: true}
	for i := range benchMembers {
		id := benchUser(i)
		t.Users = append(t.Users, &graphdouble.User{ID: id, UserPrincipalName: fmt.Sprintf("user%04d@contoso.example", i), AccountEnabled: true})
		g.Members = append(g.Members, id)
		if i >= benchLedgered {
			ago := 30 * time.Minute
			if i < benchLedgered+benchExpiredByAudit {
				ago = 5 * time.Hour
			}
			e := addEntry(benchGroup, id, t0.Add(-ago))
			e.ID = fmt.Sprintf("Directory_bench_%d", i)
			t.DirectoryAudits = append(t.DirectoryAudits, &e)
		}
	}
	t.Groups = []*graphdouble.Group{g}
	return t
}

// seedLedger writes the reset's records, 16 at a time.
func (r *rig) seedLedger() {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range benchLedgered {
		ago := time.Hour
		if i < benchExpiredLedger {
			ago = 4 * time.Hour
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			m := ledger.NewMembership(benchGroup, benchUser(i), "req", t0.Add(-ago))
			if err := r.ledger.Upsert(context.Background(), m); err != nil {
				r.t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// BenchmarkExpire5000 is one run over the measured group with every Graph
// call taking 50 ms, the client really waiting (audit-log pacing
// included), and the ledger on Azurite. Run with -benchtime=1x: each
// iteration builds its tenant and ledger anew.
func BenchmarkExpire5000(b *testing.B) {
	var pages, audits, removals, calls int
	for b.Loop() {
		b.StopTimer()
		r := newRig(b, rigOptions{tenant: benchTenant(), group: benchGroup, realSleep: true})
		r.seedLedger()
		r.double.SetLatency(50 * time.Millisecond)
		b.StartTimer()
		if err := r.run(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if c := counts(r.summary(), "removed", "kept", "errors"); c["removed"] != benchMembers/10 || c["errors"] != 0 {
			b.Fatalf("summary %v", c)
		}
		pages = r.double.CountRequests("GET", "/v1.0/groups/*/members")
		audits = r.double.CountRequests("GET", "/v1.0/auditLogs/directoryAudits")
		removals = r.double.CountRequests("DELETE", "/v1.0/groups/*/members/*/$ref")
		calls = len(r.double.Requests())
		b.StartTimer()
	}
	b.ReportMetric(float64(calls), "graph-calls")
	b.ReportMetric(float64(pages), "member-pages")
	b.ReportMetric(float64(audits), "audit-queries")
	b.ReportMetric(float64(removals), "removals")
}
