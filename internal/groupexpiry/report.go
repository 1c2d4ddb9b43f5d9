package groupexpiry

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// reported is the outcome of an event that changed nothing on purpose: a
// report-only removal, a nested group or another non-user member.
const reported = "reported"

// run is one invocation's state.
type run struct {
	t       *Timer
	ctx     context.Context
	now     time.Time // the run's single "now": every window is judged against it
	started time.Time
	pastDue bool
	corr    string
	stats   stats
}

// stats feed the run's summary line. Counters touched by parallel
// removals are atomic.
type stats struct {
	members, users, kept, unknown, tracked, nested, other, undetermined int
	removed, wouldRemove, passesDeleted, orphansCleared, errors         atomic.Int32
	auditQueries                                                        int
	auditComplete                                                       bool
}

func newRun(ctx context.Context, t *Timer, info *host.TimerInfo) *run {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	return &run{t: t, ctx: ctx, now: now().UTC(), started: time.Now(),
		pastDue: info != nil && info.IsPastDue, corr: host.InvocationID(ctx)}
}

func (r *run) record(action, outcome, target, reason string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("group_id", r.t.GroupID), slog.Bool("report_only", r.t.Cfg.ReportOnly)}, attrs...)
	r.t.Audit.Record(r.ctx, audit.Event{Action: action, Outcome: outcome, TargetID: target, Reason: reason,
		Correlation: r.corr, Attrs: attrs})
}

// failed audits a failure and counts it; the run then returns an error.
func (r *run) failed(action, target, reason string, attrs ...slog.Attr) {
	r.stats.errors.Add(1)
	r.record(action, audit.Failed, target, reason, attrs...)
}

// removal audits one removal (or, in report-only mode, one that would be).
func (r *run) removal(d decision, outcome, reason string, absent bool) {
	attrs := []slog.Attr{slog.String("window_source", d.source), slog.Bool("already_absent", absent)}
	if !d.start.IsZero() {
		attrs = append(attrs, slog.Time("window_start", d.start), slog.Time("window_end", d.start.Add(r.t.Cfg.Window)))
	}
	r.record("groupexpiry.remove", outcome, d.userID, reason, attrs...)
}

func removalReason(d decision) string {
	if d.start.IsZero() {
		return "no known join time (not in the ledger nor the audit log); unknown members are removed"
	}
	return "window over"
}

// reportMember audits a direct member the timer never removes.
func (r *run) reportMember(m directory.Member) {
	reason := "a " + m.Type + " is not a user: left in the group"
	if m.Kind == directory.MemberGroup {
		reason = "nested group: its members are in the Conditional Access group through it; the timer never removes groups nor their members, remove it by hand if it should not be there"
	}
	r.record("groupexpiry.member", reported, m.ID, reason, slog.String("member_type", m.Type))
}

// summarize writes the run's one summary line.
func (r *run) summarize(err error) {
	s := &r.stats
	outcome, reason := audit.Succeeded, ""
	if err != nil {
		outcome, reason = audit.Failed, err.Error()
	}
	r.record("groupexpiry.run", outcome, "", reason,
		slog.Int("members", s.members), slog.Int("users", s.users),
		slog.Int("removed", int(s.removed.Load())), slog.Int("would_remove", int(s.wouldRemove.Load())),
		slog.Int("kept", s.kept), slog.Int("unknown", s.unknown), slog.Int("tracked", s.tracked),
		slog.Int("nested_groups", s.nested), slog.Int("other_members", s.other), slog.Int("undetermined", s.undetermined),
		slog.Int("errors", int(s.errors.Load())), slog.Int("passes_deleted", int(s.passesDeleted.Load())),
		slog.Int("ledger_orphans_cleared", int(s.orphansCleared.Load())),
		slog.Int("audit_queries", s.auditQueries), slog.Bool("audit_log_complete", s.auditComplete),
		slog.Bool("past_due", r.pastDue), slog.Duration("window", r.t.Cfg.Window),
		slog.Int64("duration_ms", time.Since(r.started).Milliseconds()))
}
