package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/ceremony"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
)

// Runner drains fido2-pending at one desk.
type Runner struct {
	Settings Settings
	Queues   Queues
	Keys     Keys
	Operator Operator
	Journal  *journal.Journal
	// PINs stores the PINs the desk sets (Settings.Delivery "vault").
	PINs PINStore
	// Outcomes, when set, receives every outcome as it happens (the CSV
	// report).
	Outcomes func(Outcome)
	Log      *slog.Logger
	Now      func() time.Time

	// crash stops the run as if the process died at the named step
	// ("written", "sent"): tests of the journal's recovery set it.
	crash func(step string, l *lease) bool

	started time.Time
	perKey  time.Duration
}

// errCrashed is what Run returns when crash said so.
var errCrashed = errors.New("simulated crash")

// errStop marks a failure after a credential was written that makes
// going on unsafe (the journal or the results queue is failing): the run
// stops rather than write more keys whose results cannot be kept.
var errStop = errors.New("stopping the run")

// errHalt marks a failure before anything was written that every next
// item would meet too (Key Vault refusing the PIN): the message goes back
// at once and the run stops instead of asking for key after key.
var errHalt = errors.New("stopping the run; nothing was written")

// ErrInterrupted is returned (wrapped) when the run was stopped (Ctrl-C);
// the summary is still valid.
var ErrInterrupted = errors.New("interrupted")

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run works messages until the queue is empty (or one, with Once). It
// first sends results an earlier run wrote but never sent.
func (r *Runner) Run(ctx context.Context) (Summary, error) {
	var sum Summary
	if err := r.Settings.Validate(); err != nil {
		return sum, err
	}
	if r.Settings.Delivery == DeliverVault && r.PINs == nil {
		return sum, errors.New("PIN delivery is Key Vault but no vault is configured")
	}
	r.started = r.now()
	n, err := r.resendUnsent(ctx)
	sum.Resent = n
	if err != nil {
		return sum, err
	}
	for {
		if ctx.Err() != nil {
			sum.Interrupted = true
			return sum, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
		}
		l, err := r.Queues.next(ctx, r.Settings.Visibility)
		if err != nil && ctx.Err() != nil {
			sum.Interrupted = true
			return sum, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
		}
		if err != nil {
			return sum, err
		}
		if l == nil {
			return sum, nil
		}
		o, err := r.process(ctx, l)
		if errors.Is(err, errCrashed) {
			return sum, err
		}
		if o.Status != "" {
			r.finish(ctx, &sum, o)
		}
		if err != nil {
			if ctx.Err() != nil {
				sum.Interrupted = true
				return sum, fmt.Errorf("%w: %w", ErrInterrupted, err)
			}
			return sum, err
		}
		if r.Settings.Once {
			return sum, nil
		}
	}
}

func (r *Runner) finish(ctx context.Context, sum *Summary, o Outcome) {
	o.At = r.now().UTC()
	sum.add(o)
	if o.Status == StatusWritten {
		r.perKey = r.now().Sub(r.started) / time.Duration(sum.Written)
	}
	if r.Outcomes != nil {
		r.Outcomes(o)
	}
	r.Operator.Finished(o, Progress{Done: len(sum.Outcomes), Written: sum.Written,
		Remaining: r.Queues.remaining(ctx), PerKey: r.perKey})
	r.log().Info("item", "status", o.Status, "reason", o.Reason, "job", o.Item.JobID, "index", o.Item.Index,
		"user", o.Item.UserID, "credential", o.CredentialID, "pin_ref", o.PINRef)
}

// resendUnsent sends results the journal holds but never saw sent (a
// crash between the two).
func (r *Runner) resendUnsent(ctx context.Context) (int, error) {
	n := 0
	for _, it := range r.Journal.Unsent() {
		if err := r.send(ctx, it.Written); err != nil {
			return n, fmt.Errorf("resend the result written at %s: %w", it.Written.At.Format(time.RFC3339), err)
		}
		n++
	}
	return n, nil
}

// send puts a journaled result on fido2-results and journals that.
func (r *Runner) send(ctx context.Context, w journal.Entry) error {
	if err := r.Queues.sendResult(ctx, w.Result, w.Expires); err != nil {
		return err
	}
	return r.Journal.Append(journal.Entry{Event: journal.EventSent, CredentialID: w.CredentialID, JobID: w.JobID, UserID: w.UserID})
}

// process works one leased message to an outcome. An error ends the run;
// item problems are outcomes.
func (r *Runner) process(ctx context.Context, l *lease) (Outcome, error) {
	var p fido2msg.Pending
	err := fido2msg.DecodeText(l.text, fido2msg.TypePending, &p)
	if err == nil {
		err = p.Validate()
	}
	var req ceremony.Request
	var warn ceremony.Warnings
	if err == nil {
		req, warn, err = ceremony.Parse(p)
	}
	if err != nil {
		return r.poison(ctx, l, p, err)
	}
	it := Item{JobID: p.JobID, Index: p.Index, UserID: p.User.ID, UPN: p.User.UPN, DisplayName: p.User.DisplayName, Expires: req.Expires}
	for _, w := range warn {
		r.log().Warn("creation options", "job", p.JobID, "index", p.Index, "warning", w)
	}
	if dup := r.Journal.Duplicate(p, journal.ChallengeHash(req.Challenge)); dup != nil {
		return r.duplicate(ctx, l, it, dup)
	}
	if req.Expired(r.now(), r.Settings.ExpiryMargin) {
		return r.expired(ctx, l, it, p)
	}
	r.Operator.Show(it)
	itemCtx, stop := l.keep(ctx, r.Settings.Visibility, r.log())
	defer stop()
	return r.serve(itemCtx, ctx, l, it, p, req)
}

// serve asks for keys until one is written, the item fails, or the run is
// stopped.
func (r *Runner) serve(ctx, runCtx context.Context, l *lease, it Item, p fido2msg.Pending, req ceremony.Request) (Outcome, error) {
	for {
		dev, di, err := r.acquireKey(ctx)
		if err != nil {
			return r.abandon(runCtx, l, it, err)
		}
		w := writer{r: r, l: l, it: it, p: p, req: req, dev: dev, devInfo: di}
		o, err := w.write(ctx)
		dev.Close()
		if errors.Is(err, errCrashed) {
			return Outcome{}, err
		}
		var refusal *keyRefusal
		if errors.As(err, &refusal) {
			if err := r.awaitRemoval(ctx, di.Path, PromptOtherKey, refusal.reason); err != nil {
				return r.abandon(runCtx, l, it, err)
			}
			continue
		}
		if errors.Is(err, errHalt) {
			_ = l.setVisibility(context.WithoutCancel(runCtx), 0)
			return Outcome{Status: StatusFailed, Reason: err.Error(), Item: it}, err
		}
		if errors.Is(err, errStop) {
			_ = l.setVisibility(context.WithoutCancel(runCtx), r.Settings.RetryLater)
			return Outcome{Status: StatusFailed, Reason: err.Error(), Item: it}, err
		}
		if err != nil {
			return r.abandon(runCtx, l, it, err)
		}
		// Whatever became of the item, this key is done with: the next
		// item must not pick it up by mistake.
		if err := r.awaitRemoval(ctx, di.Path, PromptRemoveKey, ""); err != nil && runCtx.Err() != nil {
			return o, err
		}
		return o, nil
	}
}

// abandon ends an item that stopped before a credential was written: the
// message goes back to the queue (at once when the run is stopping, so
// another desk can take it; after RetryLater on a failure).
func (r *Runner) abandon(runCtx context.Context, l *lease, it Item, err error) (Outcome, error) {
	bg := context.WithoutCancel(runCtx)
	if runCtx.Err() != nil {
		_ = l.setVisibility(bg, 0)
		return Outcome{}, err
	}
	if errors.Is(err, errLeaseLost) {
		return Outcome{Status: StatusFailed, Reason: err.Error(), Item: it}, nil
	}
	_ = l.setVisibility(bg, r.Settings.RetryLater)
	r.journalClosed(journal.EventFailed, it, err.Error())
	return Outcome{Status: StatusFailed, Reason: err.Error(), Item: it}, nil
}

func (r *Runner) poison(ctx context.Context, l *lease, p fido2msg.Pending, cause error) (Outcome, error) {
	it := Item{JobID: p.JobID, Index: p.Index, UserID: p.User.ID, UPN: p.User.UPN, DisplayName: p.User.DisplayName}
	reason := "unreadable pending message, moved to " + r.Queues.PoisonName() + ": " + cause.Error()
	if err := r.Queues.poison(ctx, l); err != nil {
		return Outcome{}, fmt.Errorf("move an unreadable message to %s: %w", r.Queues.PoisonName(), err)
	}
	r.journalClosed(journal.EventFailed, it, reason)
	return Outcome{Status: StatusFailed, Reason: reason, Item: it}, nil
}

// duplicate finishes a message whose credential the journal already has.
func (r *Runner) duplicate(ctx context.Context, l *lease, it Item, dup *journal.Item) (Outcome, error) {
	if !dup.Sent {
		if err := r.send(ctx, dup.Written); err != nil {
			return Outcome{}, err
		}
	}
	if err := l.delete(ctx); err != nil {
		return Outcome{}, err
	}
	if !dup.Done {
		if err := r.Journal.Append(journal.Entry{Event: journal.EventDone, CredentialID: dup.Written.CredentialID}); err != nil {
			return Outcome{}, err
		}
	}
	key := fido2msgKey(dup.Written)
	return Outcome{Status: StatusSkipped, Item: it, Key: key, CredentialID: dup.Written.CredentialID,
		Reason: "already written at " + dup.Written.At.Format(time.RFC3339) + " (journal); not written again"}, nil
}

func (r *Runner) expired(ctx context.Context, l *lease, it Item, p fido2msg.Pending) (Outcome, error) {
	if err := l.delete(ctx); err != nil {
		return Outcome{}, err
	}
	reason := "challenge expired (or expires within the margin) at " + it.Expires.UTC().Format(time.RFC3339) + "; no key touched; re-run the job for new options"
	r.journalClosed(journal.EventSkipped, it, reason)
	return Outcome{Status: StatusExpired, Reason: reason, Item: it}, nil
}

// journalClosed records an item closed without a credential. A journal
// that cannot be written is logged, not fatal: nothing was written to a
// key that it would have to protect.
func (r *Runner) journalClosed(event string, it Item, reason string) {
	err := r.Journal.Append(journal.Entry{Event: event, JobID: it.JobID, Index: it.Index, UserID: it.UserID, UPN: it.UPN,
		Reason: reason, Workstation: r.Settings.Workstation})
	if err != nil {
		r.log().Error("journal", "err", err)
	}
}

func fido2msgKey(e journal.Entry) fido2msg.KeyInfo {
	if e.Key == nil {
		return fido2msg.KeyInfo{}
	}
	return *e.Key
}
