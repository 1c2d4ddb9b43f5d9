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
	// Requeue hands a job back for later, invisible for delay: used when
	// another worker holds the request, so the message neither fails nor
	// heads for the poison queue.
	Requeue func(ctx context.Context, j Job, delay time.Duration) error
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
	if errors.Is(err, errBusy) {
		return nil, w.handBack(ctx, job, err)
	}
	if err != nil || r == nil {
		return nil, err
	}
	err = r.advance()
	if errors.Is(err, errLostLease) {
		return nil, w.handBack(ctx, job, err)
	}
	if err == nil {
		return nil, nil
	}
	if msg.DequeueCount >= w.MaxDequeueCount {
		r.giveUp(err)
	}
	r.release()
	return nil, err
}

// handBack puts the job back on the queue for when the other worker's
// lease runs out, and ends this delivery as a success: the request is in
// someone's hands, and this is not a failure. If the other worker dies,
// the copy resumes its work; if it finishes, the copy finds it done.
func (w *Worker) handBack(ctx context.Context, job Job, why error) error {
	delay := w.Cfg.Lease + time.Second
	if w.Requeue == nil {
		return why
	}
	if err := w.Requeue(ctx, job, delay); err != nil {
		return errors.Join(why, fmt.Errorf("hand the job back: %w", err))
	}
	w.Log.InfoContext(ctx, "job handed back for later", "request_id", job.RequestID, "reason", why.Error(),
		"delay_s", int(delay.Seconds()))
	return nil
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
	rec, err := ledger.Claim(ctx, w.Ledger, pk, rk, w.owner(ctx), w.Cfg.Lease, w.Now,
		func(r *Record) bool { return r.Step == StepDone })
	if errors.Is(err, ledger.ErrBusy) {
		return nil, errBusy
	}
	if err != nil || rec == nil {
		return nil, err
	}
	return &run{w: w, ctx: ctx, rec: rec}, nil
}
