package mfareset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/notify"
)

// fenceMargin is how much of the lease is left unused when minting and
// mailing, for clock skew between instances.
const fenceMargin = 5 * time.Second

// issue mints the one-time pass and mails it in the same invocation: the
// pass exists only in this process's memory and Graph never returns it
// again. The checkpoint before the POST is what makes a crash, or a lost
// answer, safe: whoever finds the record in StepTAPRequested knows a pass
// may exist and never mints a second one (recoverTAP).
func (r *run) issue() error {
	r.rec.TAPRequestedAt = r.w.Now().UTC()
	if err := r.save(StepTAPRequested); err != nil {
		return err
	}
	// Fencing: the pass is minted and mailed only while this worker's lease
	// surely lives, so a worker that takes over after the lease ran out can
	// never race a POST or a mail still in flight here.
	fenced, cancel := context.WithDeadline(r.ctx, r.rec.LeaseUntil.Add(-fenceMargin))
	defer cancel()
	var tap directory.TAP
	var listed []directory.Method
	var tapErr, listErr error
	_ = parallel( // the straggler check needs no pass; it runs alongside the POST
		func() error {
			tap, tapErr = r.w.Dir.CreateTAP(fenced, r.rec.TargetID, directory.TAPRequest{LifetimeMinutes: r.w.Cfg.TAPLifetimeMinutes, UsableOnce: true})
			return nil
		},
		func() error { listed, listErr = r.w.Dir.ListMethods(fenced, r.rec.TargetID); return nil },
	)
	if errors.Is(tapErr, directory.ErrOutcomeUnknown) {
		return r.recoverTAP()
	}
	if tapErr != nil { // Graph refused it: no pass exists, a retry may mint
		return r.back(fmt.Errorf("create pass: %w", tapErr))
	}
	r.rec.TAPID, r.rec.TAPExpires = tap.ID, tap.Expires()
	if err := r.clearStragglers(fenced, tap.ID, listed, listErr); err != nil {
		return r.withdraw(tap, err)
	}
	mail := notify.TAPMail(notify.TAPDelivery{
		Subject: directory.User{DisplayName: r.rec.TargetName, UPN: r.rec.TargetUPN},
		To:      split(r.rec.Recipients), TAP: tap, Reason: "approved MFA reset",
	})
	if err := r.w.Dir.SendMail(fenced, r.w.Sender, mail); err != nil {
		return r.withdraw(tap, fmt.Errorf("mail the pass: %w", err))
	}
	return r.save(StepDelivered, slog.String("tap_id", tap.ID), slog.Time("tap_expires", tap.Expires()))
}

// clearStragglers deletes targeted methods the re-list still shows (never
// the new pass), then verifies none is left.
func (r *run) clearStragglers(ctx context.Context, keep string, listed []directory.Method, listErr error) error {
	if listErr != nil {
		return fmt.Errorf("re-list methods: %w", listErr)
	}
	if left := r.filter(listed, keep); len(left) > 0 {
		removed, err := r.deleteTargeted(ctx, left, keep)
		r.rec.MethodsRemoved = join(mergeTypes(split(r.rec.MethodsRemoved), typesOf(removed)))
		if err != nil {
			return fmt.Errorf("remove methods: %w", err)
		}
		return r.verify(ctx, keep)
	}
	return nil
}

// back returns to StepSessionsRevoked after a definite failure, so the
// next attempt starts the pass afresh.
func (r *run) back(cause error) error {
	r.rec.TAPID, r.rec.TAPRequestedAt = "", time.Time{}
	if err := r.save(StepSessionsRevoked); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// withdraw deletes a pass that could not be mailed, so no working pass
// exists that nobody holds; the next attempt mints and mails a new one.
func (r *run) withdraw(tap directory.TAP, cause error) error {
	if err := r.w.Dir.DeleteTAP(r.ctx, r.rec.TargetID, tap.ID); err != nil && !errors.Is(err, directory.ErrNotFound) {
		return errors.Join(cause, fmt.Errorf("withdraw the undelivered pass: %w", err))
	}
	return r.back(cause)
}

// recoverTAP handles a pass POST whose outcome we never learned (a lost
// answer, or a crash after the checkpoint). If Graph holds no pass, the
// POST never applied and minting is safe. If it holds one, nobody can
// deliver it (its value is gone), and minting another would replace a
// pass someone may yet receive: delete it and fail closed, with a reason
// approvers see.
func (r *run) recoverTAP() error {
	ms, err := r.w.Dir.ListMethods(r.ctx, r.rec.TargetID)
	if err != nil {
		return fmt.Errorf("look for a pass of an unconfirmed request: %w", err)
	}
	var found []directory.Method
	for _, m := range ms {
		if m.Type == directory.MethodTAP {
			found = append(found, m)
		}
	}
	if len(found) == 0 {
		return r.back(nil)
	}
	for _, m := range found {
		if err := r.w.Dir.DeleteMethod(r.ctx, r.rec.TargetID, m); err != nil && !errors.Is(err, directory.ErrNotFound) {
			return fmt.Errorf("delete an unconfirmed pass: %w", err)
		}
	}
	return r.conclude(OutcomeFailed, "the sign-in methods were reset, but Microsoft Graph did not confirm the "+
		"Temporary Access Pass; it was deleted and none was delivered. Submit a new request to get a pass.")
}
