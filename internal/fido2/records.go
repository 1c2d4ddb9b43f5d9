package fido2

import (
	"fmt"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// The ledger holds three kinds of rows for a job, in the app's ledger
// table: the job itself, one row per page of its expansion, and one row
// per user. Keys keep each kind in its own partitions so the status is one
// partition query and a page or user is one point read. No row holds a
// challenge, a PIN or key material.

// JobRecord is a job as it was accepted.
type JobRecord struct {
	ledger.Row
	GroupID                 string    `json:"GroupID,omitempty"`
	UserCount               int       `json:"UserCount,omitempty"` // for userIds jobs
	ChallengeTimeoutMinutes int       `json:"ChallengeTimeoutMinutes"`
	ReplaceExisting         bool      `json:"ReplaceExisting"`
	DisplayNameTemplate     string    `json:"DisplayNameTemplate,omitempty"`
	IncludeProtected        bool      `json:"IncludeProtected"`
	RequestedBy             string    `json:"RequestedBy,omitempty"`
	Created                 time.Time `json:"Created"`
	// Run is the latest run (0 first; each re-run adds one).
	Run int `json:"Run"`
	// Expanded is set when the last page of the latest run has been worked.
	Expanded   bool      `json:"Expanded"`
	ExpandedAt time.Time `json:"ExpandedAt,omitzero"`
	// Failure is why the expansion itself failed (the group could not be
	// read); users already queued stay queued.
	Failure string `json:"Failure,omitempty"`
}

// JobTable stores JobRecords.
type JobTable = ledger.Table[JobRecord, *JobRecord]

func jobKeys(jobID string) (pk, rk string) { return "fido2-job", jobID }

// PageRecord marks one slice of a job's expansion: begun, then done once
// its users are recorded and the next slice is queued. A redelivered page
// that is done does nothing, so a duplicate message cannot fork the chain
// of follow-up messages.
type PageRecord struct {
	ledger.Row
	ledger.Lease
	Started time.Time `json:"Started"`
	Done    bool      `json:"Done"`
	Users   int       `json:"Users"`
}

// PageTable stores PageRecords.
type PageTable = ledger.Table[PageRecord, *PageRecord]

func pageKeys(jobID string, run, page int) (pk, rk string) {
	// Zero-padded so a partition listing sorts runs and pages in order.
	return "fido2-page-" + jobID, fmt.Sprintf("%04d-%06d", run, page)
}

// User states, in the order a user normally passes through them.
const (
	// StateQueued: recorded; creation options not yet on fido2-pending.
	StateQueued = "queued"
	// StatePending: creation options wait at the desk until ChallengeExpires.
	StatePending = "pending"
	// StateWritten: the desk wrote a key; its registration is under way.
	StateWritten = "written"
	// StateRegistered: Entra holds the new passkey (MethodID).
	StateRegistered = "registered"
	// StateSkipped: not enrolled on purpose (disabled, guest, protected).
	StateSkipped = "skipped"
	// StateFailed: Graph refused or could not be reached after retries.
	StateFailed = "failed"
	// StateExpired: the challenge ran out before a key was registered.
	StateExpired = "expired"
)

// UserRecord is one user of one job.
type UserRecord struct {
	ledger.Row
	UPN              string    `json:"UPN,omitempty"`
	DisplayName      string    `json:"DisplayName,omitempty"`
	Index            int       `json:"Index"`
	State            string    `json:"State"`
	Reason           string    `json:"Reason,omitempty"`
	ChallengeExpires time.Time `json:"ChallengeExpires,omitzero"`
	// Issued counts the creation options sent (a refresh after an expired
	// challenge sends another).
	Issued int `json:"Issued"`
	// Run is the job run that last worked the user.
	Run      int    `json:"Run"`
	MethodID string `json:"MethodID,omitempty"`
	// Replaced counts older passkeys deleted after registration;
	// ReplaceDone is set once none is left (replaceExisting jobs).
	Replaced    int       `json:"Replaced"`
	ReplaceDone bool      `json:"ReplaceDone"`
	KeyModel    string    `json:"KeyModel,omitempty"`
	AAGUID      string    `json:"AAGUID,omitempty"`
	Updated     time.Time `json:"Updated"`
}

// UserTable stores UserRecords.
type UserTable = ledger.Table[UserRecord, *UserRecord]

func userKeys(jobID, userID string) (pk, rk string) { return "fido2-user-" + jobID, userID }

// userPartition is the filter for every user row of a job.
func userPartition(jobID string) string {
	pk, _ := userKeys(jobID, "")
	return "PartitionKey eq '" + pk + "'"
}
