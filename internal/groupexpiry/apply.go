package groupexpiry

import (
	"errors"
	"log/slog"
	"sync"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// apply carries the plan out: removals, tracking writes and ledger
// clean-up run in parallel under one bound.
func (r *run) apply(p plan) {
	r.count(p)
	for _, m := range append(p.nested, p.others...) {
		r.reportMember(m)
	}
	var pl pool
	pl.sem = make(chan struct{}, r.t.concurrency())
	for _, d := range p.users {
		switch d.verdict {
		case remove:
			pl.run(func() { r.remove(d) })
		case track:
			pl.run(func() { r.track(d) })
		}
	}
	if !r.t.Cfg.ReportOnly {
		for _, rec := range p.orphans {
			pl.run(func() { r.clearOrphan(rec) })
		}
	}
	pl.wg.Wait()
}

func (r *run) count(p plan) {
	s := &r.stats
	s.users, s.nested, s.other = len(p.users), len(p.nested), len(p.others)
	s.members = s.users + s.nested + s.other
	for _, d := range p.users {
		if d.source == sourceUnknown && d.verdict != undetermined {
			s.unknown++
		}
		switch d.verdict {
		case keep:
			s.kept++
		case track:
			s.tracked++
		case undetermined:
			s.undetermined++
		}
	}
}

// remove takes one user out of the group. A member already gone (removed
// meanwhile by the access package, or by a previous run whose answer was
// lost) counts as done. On failure the ledger record stays, so the next
// run finds the member and tries again.
func (r *run) remove(d decision) {
	reason := removalReason(d)
	if r.t.Cfg.ReportOnly {
		r.stats.wouldRemove.Add(1)
		r.removal(d, reported, "report-only, would remove: "+reason, false)
		return
	}
	err := r.t.Graph.RemoveGroupMember(r.ctx, r.t.GroupID, d.userID)
	absent := errors.Is(err, directory.ErrNotFound)
	if err != nil && !absent {
		r.failed("groupexpiry.remove", d.userID, "removal failed, the next run retries it: "+err.Error(),
			slog.String("window_source", d.source))
		return
	}
	r.stats.removed.Add(1)
	r.removal(d, audit.Succeeded, reason, absent)
	if !r.deletePasses(d.userID) {
		r.keepForRetry(d)
		return
	}
	r.forget(d.userID, d.record)
}

// track starts the window of a member nobody recorded, now.
func (r *run) track(d decision) {
	if r.t.Cfg.ReportOnly {
		return
	}
	if err := r.t.Ledger.Upsert(r.ctx, ledger.NewMembership(r.t.GroupID, d.userID, trackedBy, r.now)); err != nil {
		r.failed("groupexpiry.track", d.userID, "could not record when the member was first seen: "+err.Error())
	}
}

// clearOrphan deletes the record of a user who left the group some other
// way, after their pass if that is configured.
func (r *run) clearOrphan(rec *ledger.Membership) {
	if r.deletePasses(rec.RowKey) && r.forget(rec.RowKey, rec) {
		r.stats.orphansCleared.Add(1)
	}
}

// forget deletes a membership record once the user is out. ErrConflict
// means a reset rewrote it after this run read it: the user re-joined for
// a new window that this run's removal may have cut short.
func (r *run) forget(userID string, rec *ledger.Membership) bool {
	if rec == nil {
		return true
	}
	err := r.t.Ledger.Delete(r.ctx, rec)
	switch {
	case errors.Is(err, ledger.ErrConflict):
		r.failed("groupexpiry.ledger", userID, "the membership record changed during this run (a new reset?): "+
			"if the user re-joined, this run removed them early; re-add them or submit a new request")
		return false
	case err != nil:
		r.failed("groupexpiry.ledger", userID, "could not delete the membership record; the next run clears it: "+err.Error())
		return false
	}
	return true
}

// keepForRetry leaves a record behind for a removed user whose pass could
// not be deleted, so the next run retries it as an orphan. A ledger record
// is already there unless the join time came from the audit log or was
// unknown; such a record is written as already over.
func (r *run) keepForRetry(d decision) {
	if d.record != nil {
		return
	}
	start := r.now.Add(-r.t.Cfg.Window)
	if err := r.t.Ledger.Upsert(r.ctx, ledger.NewMembership(r.t.GroupID, d.userID, trackedBy, start)); err != nil {
		r.t.log().WarnContext(r.ctx, "CaGroupExpiry: pass deletion cannot be retried", "user_id", d.userID, "error", err)
	}
}

// pool runs functions with at most cap(sem) at a time.
type pool struct {
	sem chan struct{}
	wg  sync.WaitGroup
}

func (p *pool) run(f func()) {
	p.wg.Add(1)
	p.sem <- struct{}{}
	go func() {
		defer func() { <-p.sem; p.wg.Done() }()
		f()
	}()
}
