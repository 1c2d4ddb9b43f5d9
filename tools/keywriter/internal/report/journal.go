package report

import (
	"sort"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
)

// Statuses of journal rows beyond the run's own.
const (
	// StatusSent: the result is on fido2-results but the pending message
	// was not closed (the next run closes it without writing a key).
	StatusSent = "sent"
	// StatusUnsent: the key was written and journaled, the result never
	// sent (the next run sends it).
	StatusUnsent = "unsent"
)

// FromJournal turns journal entries into rows: one per written credential,
// with how far it got, and one per item closed without a credential.
func FromJournal(entries []journal.Entry) []Row {
	var rows []Row
	byCred := map[string]int{}
	for _, e := range entries {
		switch e.Event {
		case journal.EventWritten:
			r := Row{Time: e.At, Status: StatusUnsent, JobID: e.JobID, Index: e.Index, UPN: e.UPN, UserID: e.UserID,
				CredentialID: e.CredentialID, Workstation: e.Workstation}
			if e.Key != nil {
				r.Model, r.AAGUID, r.Serial, r.Firmware = e.Key.Model, e.Key.AAGUID, e.Key.Serial, e.Key.Firmware
			}
			byCred[e.CredentialID] = len(rows)
			rows = append(rows, r)
		case journal.EventSent, journal.EventFinalized, journal.EventDone:
			i, ok := byCred[e.CredentialID]
			if !ok {
				continue
			}
			switch e.Event {
			case journal.EventSent:
				rows[i].Status = StatusSent
			case journal.EventFinalized:
				rows[i].Finalize = e.Reason
			case journal.EventDone:
				rows[i].Status = "written"
			}
		case journal.EventFailed, journal.EventSkipped:
			rows = append(rows, Row{Time: e.At, Status: e.Event, Reason: e.Reason, JobID: e.JobID, Index: e.Index,
				UPN: e.UPN, UserID: e.UserID, CredentialID: e.CredentialID, Workstation: e.Workstation})
		}
	}
	return rows
}

// Count tallies rows by status, in a stable order.
func Count(rows []Row) []StatusCount {
	n := map[string]int{}
	for _, r := range rows {
		n[r.Status]++
	}
	out := make([]StatusCount, 0, len(n))
	for s, c := range n {
		out = append(out, StatusCount{s, c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Status < out[j].Status })
	return out
}

// StatusCount is one line of a tally.
type StatusCount struct {
	Status string
	N      int
}
