package desk

import (
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/report"
)

// Outcome statuses.
const (
	StatusWritten = "written"
	StatusSkipped = "skipped"
	StatusExpired = "expired"
	StatusFailed  = "failed"
)

// Outcome is what became of one pending message. It holds no PIN; PINRef
// names the Key Vault secret holding one.
type Outcome struct {
	Status       string
	Reason       string
	Item         Item
	Key          fido2msg.KeyInfo
	CredentialID string
	// PINRef is the Key Vault secret name of the PIN the desk set.
	PINRef string
	// Finalize says what of the PIN policy was not applied.
	Finalize string
	At       time.Time
}

// Summary is a run's outcomes and counts.
type Summary struct {
	Outcomes                          []Outcome
	Written, Skipped, Expired, Failed int
	// Resent counts results sent from the journal of an earlier run.
	Resent      int
	Interrupted bool
}

func (s *Summary) add(o Outcome) {
	s.Outcomes = append(s.Outcomes, o)
	switch o.Status {
	case StatusWritten:
		s.Written++
	case StatusSkipped:
		s.Skipped++
	case StatusExpired:
		s.Expired++
	default:
		s.Failed++
	}
}

// Row is the outcome as a line of the CSV report.
func (o Outcome) Row(workstation string) report.Row {
	return report.Row{Time: o.At, Status: o.Status, Reason: o.Reason, JobID: o.Item.JobID, Index: o.Item.Index,
		UPN: o.Item.UPN, UserID: o.Item.UserID, Model: o.Key.Model, AAGUID: o.Key.AAGUID, Serial: o.Key.Serial,
		Firmware: o.Key.Firmware, CredentialID: o.CredentialID, PINRef: o.PINRef, Finalize: o.Finalize, Workstation: workstation}
}
