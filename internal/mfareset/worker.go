package mfareset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/notify"
)

// Notifier posts a metadata-only notice to a channel (never the pass).
type Notifier interface {
	Notify(ctx context.Context, n notify.ChannelNotice) error
}

// Worker is the MfaReset queue function.
type Worker struct {
	Dir    directory.Directory
	Guard  guard.Guard
	Ledger *Ledger
	// Members records CA group joins for the expiry timer (nil: none).
	Members *ledger.Table[ledger.Membership, *ledger.Membership]
	Cfg     config.Reset
	Sender  string
	Audit   *audit.Log
	Channel Notifier // optional
	// Instance names this process in leases (e.g. WEBSITE_INSTANCE_ID).
	Instance string
	// MaxDequeueCount is host.json's: the last attempt resumes the request
	// with the failure before the message goes to the poison queue.
	MaxDequeueCount int64
	// Settle is the pause before re-listing methods: deletions are
	// eventually consistent in Graph.
	Settle time.Duration
	Now    func() time.Time
	Log    *slog.Logger

	afterSave func(Step) // test hook: panics to simulate a crash after a checkpoint
}

// Errors that end an invocation without finishing the job.
var (
	errBusy      = errors.New("another worker holds this request")
	errLostLease = errors.New("another worker took this request over")
)

// Queue serves one mfa-reset message.
func (w *Worker) Queue(ctx context.Context, msg *host.QueueMessage) (host.Outputs, error) {
	var job Job
	if err := json.Unmarshal(msg.Body, &job); err != nil || job.RequestID == "" || job.StageInstanceID == "" {
		w.Audit.Record(ctx, audit.Event{Action: "mfareset.job", Outcome: audit.Failed, Reason: "malformed job message",
			Correlation: host.InvocationID(ctx)})
		return nil, errors.New("malformed job message: want {requestId, stageInstanceId}")
	}
	r, err := w.claim(ctx, job)
	if err != nil || r == nil {
		return nil, err
	}
	err = r.advance()
	if err == nil || errors.Is(err, errLostLease) {
		return nil, err
	}
	if msg.DequeueCount >= w.MaxDequeueCount {
		r.giveUp(err)
	}
	r.release()
	return nil, err
}

// owner names this invocation in a lease: a redelivered copy of the same
// message is another invocation, even on the same instance.
func (w *Worker) owner(ctx context.Context) string {
	id := host.InvocationID(ctx)
	if id == "" {
		id = uuid.NewString()
	}
	return w.Instance + "/" + id
}

// claim reads the record and takes its lease. A finished record yields
// (nil, nil): a redelivered message after completion does nothing.
func (w *Worker) claim(ctx context.Context, job Job) (*run, error) {
	pk, rk := key(job.RequestID, job.StageInstanceID)
	for range 3 {
		rec, err := w.Ledger.Get(ctx, pk, rk)
		if err != nil {
			return nil, fmt.Errorf("read ledger: %w", err)
		}
		if rec.Step == StepDone {
			return nil, nil
		}
		now := w.Now().UTC()
		owner := w.owner(ctx)
		if rec.LeaseOwner != "" && rec.LeaseOwner != owner && now.Before(rec.LeaseUntil) {
			return nil, errBusy
		}
		rec.LeaseOwner, rec.LeaseUntil, rec.Attempts = owner, now.Add(w.Cfg.Lease), rec.Attempts+1
		err = w.Ledger.Update(ctx, rec)
		if errors.Is(err, ledger.ErrConflict) {
			continue // someone wrote it meanwhile: look again
		}
		if err != nil {
			return nil, fmt.Errorf("take lease: %w", err)
		}
		return &run{w: w, ctx: ctx, rec: rec}, nil
	}
	return nil, errBusy
}
