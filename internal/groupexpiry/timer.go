// Package groupexpiry is CaGroupExpiry, the timer that takes people out of
// the temporary "passkey enrollment" Conditional Access group once their
// window is over. The access package's own expiry normally removes them;
// this is the safety net, and the clean-up for members added any other way.
//
// Each run reads the group's direct members (paged), the membership ledger
// (one query) and, only for members the ledger does not know, the audit
// log (one query, paced). It keeps no other state: a removal that fails is
// simply found again by the next run. Removal is always
// DELETE /groups/{id}/members/{id}/$ref; the form without /$ref would
// delete the user.
package groupexpiry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// AuditLookback is how far back the audit log is read for members the
// ledger does not know: the log's retention with Entra ID P1/P2, which
// Conditional Access needs anyway (Free keeps 7 days).
const AuditLookback = 30 * 24 * time.Hour

// defaultConcurrency bounds parallel removals: enough to clear hundreds of
// members in seconds, far below Graph's 3,000 writes per 150 s per tenant.
const defaultConcurrency = 8

// MembershipLedger is the part of the ledger table the timer uses
// (*ledger.Table[ledger.Membership, *ledger.Membership]).
type MembershipLedger interface {
	List(ctx context.Context, filter string) ([]*ledger.Membership, error)
	Upsert(ctx context.Context, m *ledger.Membership) error
	Delete(ctx context.Context, m *ledger.Membership) error
}

// Timer is the CaGroupExpiry timer function.
type Timer struct {
	Graph directory.GroupMembers
	// Passes deletes a removed user's remaining pass; used only with
	// Cfg.DeleteTAP.
	Passes directory.TAPRemover
	Ledger MembershipLedger
	// GroupID is CA_GROUP_ID; empty means the feature is off and a run
	// does nothing.
	GroupID string
	Cfg     config.GroupExpiry
	Audit   *audit.Log
	Log     *slog.Logger
	Now     func() time.Time
	// Concurrency bounds parallel removals; 0 means 8.
	Concurrency int
}

// Run is one timer invocation. A past-due run (the host missed a
// schedule) does the same work: every run starts from the directory's
// current state, so running late or twice is harmless. An error marks the
// invocation failed in the host's log; whatever failed is retried by the
// next run.
func (t *Timer) Run(ctx context.Context, info *host.TimerInfo) error {
	if t.GroupID == "" {
		t.log().InfoContext(ctx, "CaGroupExpiry: CA_GROUP_ID is not set, nothing to do")
		return nil
	}
	if t.Graph == nil || t.Ledger == nil || t.Audit == nil || (t.Cfg.DeleteTAP && t.Passes == nil) {
		return errors.New("CaGroupExpiry: Graph, Ledger, Audit (and Passes with DeleteTAP) are required")
	}
	r := newRun(ctx, t, info)
	if r.pastDue {
		t.log().WarnContext(ctx, "CaGroupExpiry: run is past due", "last", info.Last, "next", info.Next)
	}
	err := r.execute()
	r.summarize(err)
	return err
}

func (r *run) execute() error {
	members, err := r.t.Graph.ListGroupMembers(r.ctx, r.t.GroupID)
	if err != nil {
		return fmt.Errorf("list the CA group's members: %w", err)
	}
	// Without the ledger every member would look unknown and, by default,
	// be removed: stop instead.
	pk, _ := ledger.MembershipKeys(r.t.GroupID, "")
	records, err := r.t.Ledger.List(r.ctx, "PartitionKey eq '"+pk+"'")
	if err != nil {
		return fmt.Errorf("read the membership ledger: %w", err)
	}
	r.apply(r.plan(members, records))
	if n := r.stats.errors.Load(); n > 0 {
		return fmt.Errorf("CaGroupExpiry: %d action(s) failed; the next run retries them", n)
	}
	return nil
}

func (t *Timer) log() *slog.Logger {
	if t.Log != nil {
		return t.Log
	}
	return slog.Default()
}

func (t *Timer) concurrency() int {
	if t.Concurrency > 0 {
		return t.Concurrency
	}
	return defaultConcurrency
}
