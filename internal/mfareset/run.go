package mfareset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// run is one invocation's work on one record. What it learns from Graph
// lives here only; what must survive a crash is saved in the record.
type run struct {
	w       *Worker
	ctx     context.Context
	rec     *Record
	methods []directory.Method // listed while guarding
	// preferred is the user's default second factor (a directory.Prefer
	// value or ""), read while guarding.
	preferred string
}

// advance works the record to StepDone, one checkpoint at a time.
func (r *run) advance() error {
	for r.rec.Step != StepDone {
		if err := r.step(); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) step() error {
	switch r.rec.Step {
	case StepReceived, StepQueued:
		return r.guard()
	case StepGuarded:
		return r.removeMethods()
	case StepMethodsRemoved:
		return r.revoke()
	case StepSessionsRevoked:
		return r.issue()
	case StepTAPRequested:
		return r.recoverTAP()
	case StepDelivered:
		return r.joinCAGroup()
	case StepResuming:
		return r.resume()
	}
	return fmt.Errorf("record in unknown step %q", r.rec.Step)
}

// save moves the record to next with its ETag (renewing the lease) and
// audits the step. A conflict means another worker took over: stop.
func (r *run) save(next Step, attrs ...slog.Attr) error {
	now := r.w.Now().UTC()
	r.rec.Step, r.rec.Updated = next, now
	var err error
	if next == StepDone {
		err = ledger.Release(r.ctx, r.w.Ledger, r.rec, now)
	} else {
		err = ledger.Renew(r.ctx, r.w.Ledger, r.rec, r.w.Cfg.Lease, now)
	}
	if err != nil {
		if errors.Is(err, ledger.ErrConflict) {
			return errLostLease
		}
		return fmt.Errorf("save step %s: %w", next, err)
	}
	r.audit(next, attrs...)
	if r.w.afterSave != nil {
		r.w.afterSave(next) // tests: a crash (panic) right after a checkpoint
	}
	return nil
}

func (r *run) audit(step Step, attrs ...slog.Attr) {
	outcome, reason := audit.Succeeded, ""
	if step == StepResuming || step == StepDone {
		outcome, reason = auditOutcome(r.rec.Outcome), r.rec.Reason
	}
	r.w.Audit.Record(r.ctx, audit.Event{
		Action: "mfareset." + string(step), Outcome: outcome, Reason: reason, TargetID: r.rec.TargetID,
		Attrs: append(requestAttrs(r.rec.PartitionKey, r.rec.RowKey, r.rec.RequestorID), attrs...),
	})
}

func auditOutcome(o string) string {
	switch o {
	case OutcomeRefused:
		return audit.Refused
	case OutcomeFailed:
		return audit.Failed
	}
	return audit.Succeeded
}

// release gives the lease up after a failure, so the message's next
// delivery need not wait for it to expire. Only a crash leaves a lease
// to run out.
func (r *run) release() {
	if r.rec.Step == StepDone {
		return
	}
	_ = ledger.Release(r.ctx, r.w.Ledger, r.rec, r.w.Now().UTC()) // best effort: an expiring lease is the fallback
}

// conclude records the outcome; resume and notices follow.
func (r *run) conclude(outcome, reason string) error {
	r.rec.Outcome, r.rec.Reason = outcome, reason
	return r.save(StepResuming)
}

// parallel runs fns at once and joins their errors.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func typesOf(ms []directory.Method) []string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, string(m.Type)) {
			out = append(out, string(m.Type))
		}
	}
	return out
}

func join(xs []string) string { return strings.Join(xs, ",") }
