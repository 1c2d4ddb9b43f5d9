// Package mfareset is the approved MFA reset: AccessPackageCallout takes
// Entitlement Management's callout (through the relay Logic App), records
// it in the ledger and queues a job; MfaReset works the job as a resumable
// state machine whose every step is a conditional ledger write.
package mfareset

import (
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callout"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// Step is a durable checkpoint of one reset. Work between two checkpoints
// is idempotent (reads, deletes, revocation, group adds) except the pass,
// which has its own checkpoint before the POST (StepTAPRequested).
type Step string

// The steps, in order. StepResuming carries the outcome (succeeded,
// refused or failed) to report; StepDone is final.
const (
	StepReceived        Step = "received"        // the callout recorded it
	StepQueued          Step = "queued"          // its job is on the queue
	StepGuarded         Step = "guarded"         // the account may be reset; recipients known
	StepMethodsRemoved  Step = "methodsRemoved"  // every targeted method deleted
	StepSessionsRevoked Step = "sessionsRevoked" // refresh tokens and cookies invalidated
	StepTAPRequested    Step = "tapRequested"    // a pass POST may have reached Graph
	StepDelivered       Step = "delivered"       // the pass was mailed
	StepResuming        Step = "resuming"        // outcome decided; resume and notices left
	StepDone            Step = "done"
)

// Outcomes recorded with StepResuming and StepDone.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeRefused   = "refused"
	OutcomeFailed    = "failed"
)

// Record is one request's ledger row: PartitionKey is the access package
// assignment request id, RowKey the custom-extension stage instance id.
// It holds ids, types and times, never a pass.
type Record struct {
	ledger.Row
	ledger.Lease
	Step    Step   `json:"Step"`
	Outcome string `json:"Outcome,omitempty"`
	Reason  string `json:"Reason,omitempty"`

	Stage             string `json:"Stage"`
	CallbackURIPath   string `json:"CallbackUriPath,omitempty"`
	TargetID          string `json:"TargetId"`
	TargetName        string `json:"TargetName,omitempty"`
	TargetUPN         string `json:"TargetUpn,omitempty"`
	RequestorID       string `json:"RequestorId,omitempty"`
	AccessPackageID   string `json:"AccessPackageId,omitempty"`
	AccessPackageName string `json:"AccessPackageName,omitempty"`

	// Recipients are the mail addresses the pass goes to (decided when
	// guarded, before any method is removed).
	Recipients     string    `json:"Recipients,omitempty"`
	NoticeTo       string    `json:"NoticeTo,omitempty"`
	MethodsRemoved string    `json:"MethodsRemoved,omitempty"` // method types, comma-separated
	TAPID          string    `json:"TapId,omitempty"`
	TAPRequestedAt time.Time `json:"TapRequestedAt,omitzero"`
	TAPExpires     time.Time `json:"TapExpires,omitzero"`
	CAGroupAddedAt time.Time `json:"CaGroupAddedAt,omitzero"`

	Created time.Time `json:"Created"`
	Updated time.Time `json:"Updated"`
}

// Ledger is the table of reset records.
type Ledger = ledger.Table[Record, *Record]

// Job is the queue message: the key of a ledger record. Everything else
// lives in the ledger, so a message carries nothing sensitive.
type Job struct {
	RequestID       string `json:"requestId"`
	StageInstanceID string `json:"stageInstanceId"`
}

// key lower-cases GUIDs, which Entra may send in any case.
func key(requestID, stageInstanceID string) (pk, rk string) {
	return strings.ToLower(requestID), strings.ToLower(stageInstanceID)
}

func newRecord(c callout.Callout, now time.Time) *Record {
	pk, rk := key(c.RequestID, c.StageInstanceID)
	return &Record{
		Row:   ledger.Row{PartitionKey: pk, RowKey: rk},
		Step:  StepReceived,
		Stage: c.Stage, CallbackURIPath: c.CallbackURIPath,
		TargetID: strings.ToLower(c.TargetObjectID), TargetName: c.TargetPrincipalName,
		RequestorID:     strings.ToLower(c.RequestorObjectID),
		AccessPackageID: c.AccessPackageID, AccessPackageName: c.AccessPackageName,
		Created: now, Updated: now,
	}
}

func (r *Record) job() Job { return Job{RequestID: r.PartitionKey, StageInstanceID: r.RowKey} }

// callout rebuilds what resume needs from the record.
func (r *Record) callout() callout.Callout {
	return callout.Callout{RequestID: r.PartitionKey, StageInstanceID: r.RowKey, Stage: r.Stage, CallbackURIPath: r.CallbackURIPath}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
