package groupexpiry

import (
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// trackedBy marks ledger records the timer wrote itself (policy "track"):
// the window of a member nobody recorded starts when the timer first saw
// them.
const trackedBy = "CaGroupExpiry:first-seen"

// Where a member's window start came from.
const (
	sourceLedger    = "ledger"
	sourceFirstSeen = "first-seen"
	sourceAuditLog  = "audit-log"
	sourceUnknown   = "unknown"
)

type verdict int

const (
	keep verdict = iota
	remove
	track        // unknown, policy "track": record now as the start
	undetermined // the audit log could not be read: decide next run
)

// decision is what happens to one user member.
type decision struct {
	userID  string
	start   time.Time // zero when unknown
	source  string
	verdict verdict
	record  *ledger.Membership // nil when the ledger has none
}

// plan is the whole run's work, decided before anything changes.
type plan struct {
	users   []decision
	nested  []directory.Member // groups: reported, never removed
	others  []directory.Member // devices, service principals...: reported
	orphans []*ledger.Membership
}

func (r *run) plan(members []directory.Member, records []*ledger.Membership) plan {
	var p plan
	byUser := map[string]*ledger.Membership{}
	for _, rec := range records {
		byUser[strings.ToLower(rec.RowKey)] = rec
	}
	seen := map[string]bool{}
	var unrecorded []string
	for i := range members {
		members[i].ID = strings.ToLower(members[i].ID)
	}
	for _, m := range members {
		switch m.Kind {
		case directory.MemberUser:
			seen[m.ID] = true
			if byUser[m.ID] == nil {
				unrecorded = append(unrecorded, m.ID)
			}
		case directory.MemberGroup:
			p.nested = append(p.nested, m)
		default:
			p.others = append(p.others, m)
		}
	}
	adds, auditOK := r.joinTimes(unrecorded)
	for _, m := range members {
		if m.Kind == directory.MemberUser {
			p.users = append(p.users, r.decide(m.ID, byUser[m.ID], adds, auditOK))
		}
	}
	p.orphans = r.orphans(records, seen)
	return p
}

// joinTimes reads the audit log only when some member is not in the
// ledger: in the steady state (everyone joined through a reset) a run
// makes no reporting-API call at all.
func (r *run) joinTimes(unrecorded []string) (map[string]time.Time, bool) {
	if len(unrecorded) == 0 {
		return nil, true
	}
	log, err := r.t.Graph.GroupAddAudits(r.ctx, r.t.GroupID, r.now.Add(-AuditLookback))
	r.stats.auditQueries = log.Queries
	r.stats.auditComplete = log.Complete
	if err != nil {
		r.failed("groupexpiry.auditlog", "", "the audit log could not be read; members not in the ledger are left for the next run: "+err.Error())
		return nil, false
	}
	latest := map[string]time.Time{}
	for _, a := range log.Adds {
		id := strings.ToLower(a.MemberID)
		if a.At.After(latest[id]) {
			latest[id] = a.At // a member re-added: the newest join counts
		}
	}
	return latest, true
}

func (r *run) decide(userID string, rec *ledger.Membership, adds map[string]time.Time, auditOK bool) decision {
	d := decision{userID: userID, record: rec, source: sourceUnknown}
	switch {
	case rec != nil:
		d.start, d.source = rec.AddedAt, sourceLedger
		if rec.RequestID == trackedBy {
			d.source = sourceFirstSeen
		}
	case !auditOK:
		d.verdict = undetermined
		return d
	case !adds[userID].IsZero():
		d.start, d.source = adds[userID], sourceAuditLog
	}
	switch {
	case !d.start.IsZero() && r.over(d.start):
		d.verdict = remove
	case !d.start.IsZero():
		d.verdict = keep
	case r.t.Cfg.UnknownMembers == config.UnknownKeep:
		d.verdict = keep
	case r.t.Cfg.UnknownMembers == config.UnknownTrack:
		d.verdict = track
	default:
		d.verdict = remove
	}
	return d
}

// over reports whether a window that started at start has ended: at
// exactly start+window it has.
func (r *run) over(start time.Time) bool {
	return !r.now.Before(start.Add(r.t.Cfg.Window))
}

// orphans are ledger records of users no longer in the group (removed by
// the access package's expiry, or by hand). Those whose window is over go;
// a younger one may be a join Graph does not list yet, and stays.
func (r *run) orphans(records []*ledger.Membership, members map[string]bool) []*ledger.Membership {
	var out []*ledger.Membership
	for _, rec := range records {
		if !members[strings.ToLower(rec.RowKey)] && r.over(rec.AddedAt) {
			out = append(out, rec)
		}
	}
	return out
}
