package mfareset

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callout"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/notify"
)

// joinCAGroup adds the user to the temporary Conditional Access group (if
// one is configured) and records when, for the expiry timer.
func (r *run) joinCAGroup() error {
	if r.w.Cfg.CAGroupID != "" && r.rec.CAGroupAddedAt.IsZero() {
		if err := r.addToCAGroup(); err != nil {
			return err
		}
	}
	return r.conclude(OutcomeSucceeded, "")
}

// addToCAGroup adds the user (members/$ref, idempotent) and records when in
// the membership ledger, which the expiry timer reads.
func (r *run) addToCAGroup() error {
	g := r.w.Cfg.CAGroupID
	if err := r.w.Dir.AddGroupMember(r.ctx, g, r.rec.TargetID); err != nil {
		return fmt.Errorf("add to the temporary CA group: %w", err)
	}
	now := r.w.Now().UTC()
	if r.w.Members != nil {
		if err := r.w.Members.Upsert(r.ctx, ledger.NewMembership(g, r.rec.TargetID, r.rec.PartitionKey, now)); err != nil {
			return fmt.Errorf("record the CA group membership: %w", err)
		}
	}
	r.rec.CAGroupAddedAt = now
	return nil
}

// resume reports the outcome to Entitlement Management (launch-and-wait)
// and sends the notices; the record is then done. Notices are best effort:
// a failure is audited, never retried into a second reset.
func (r *run) resume() error {
	err := parallel(
		func() error {
			if r.w.Cfg.Resume {
				return r.resumeRequest()
			}
			return nil
		},
		func() error { r.notifyUser(); return nil },
		func() error { r.notifyChannel(); return nil },
	)
	if err != nil {
		return err
	}
	return r.save(StepDone)
}

func (r *run) resumeRequest() error {
	o := callout.Outcome{Succeeded: r.rec.Outcome == OutcomeSucceeded, Detail: r.detail(), Deny: r.rec.Outcome != OutcomeSucceeded}
	err := r.w.Dir.Resume(r.ctx, r.rec.PartitionKey, callout.ResumeData(r.rec.callout(), o))
	var de *directory.Error
	if errors.As(err, &de) && de.Status >= 400 && de.Status < 500 && de.Status != 429 {
		// The request no longer waits (resumed already, expired, or a
		// launch-and-continue extension): nothing a retry can change.
		r.w.Audit.Record(r.ctx, audit.Event{Action: "mfareset.resume", Outcome: audit.Failed, TargetID: r.rec.TargetID,
			Reason: "Graph refused the resume: " + err.Error(), Attrs: requestAttrs(r.rec.PartitionKey, r.rec.RowKey, r.rec.RequestorID)})
		return nil
	}
	if err != nil {
		return fmt.Errorf("resume the request: %w", err)
	}
	return nil
}

// detail is what approvers and the requestor read on the request.
func (r *run) detail() string {
	switch r.rec.Outcome {
	case OutcomeSucceeded:
		d := "MFA reset done"
		if r.rec.MethodsRemoved != "" {
			d += " (removed: " + r.rec.MethodsRemoved + ")"
		}
		return d + "; sign-in sessions revoked; a one-time Temporary Access Pass valid until " +
			r.rec.TAPExpires.UTC().Format(time.DateTime) + " UTC was mailed to " + r.rec.Recipients + "."
	case OutcomeRefused:
		return "MFA reset refused: " + r.rec.Reason
	}
	return "MFA reset failed: " + r.rec.Reason
}

func (r *run) notifyUser() {
	if r.rec.Outcome != OutcomeSucceeded || r.rec.NoticeTo == "" {
		return
	}
	user := directory.User{DisplayName: r.rec.TargetName, UPN: r.rec.TargetUPN, Mail: r.rec.NoticeTo}
	mail := notify.UserNotice(user, split(r.rec.MethodsRemoved), r.rec.Updated)
	if err := r.w.Dir.SendMail(r.ctx, r.w.Sender, mail); err != nil {
		r.noticeFailed("user notice", err)
	}
}

func (r *run) notifyChannel() {
	if r.w.Channel == nil {
		return
	}
	n := notify.ChannelNotice{
		RequestID: r.rec.PartitionKey, TargetName: r.rec.TargetName, TargetID: r.rec.TargetID,
		AccessPackage: r.rec.AccessPackageName, Outcome: r.rec.Outcome, Reason: r.rec.Reason,
		MethodsRemoved: split(r.rec.MethodsRemoved), At: r.w.Now().UTC(),
	}
	if err := r.w.Channel.Notify(r.ctx, n); err != nil {
		r.noticeFailed("channel notice", err)
	}
}

func (r *run) noticeFailed(what string, err error) {
	r.w.Audit.Record(r.ctx, audit.Event{Action: "mfareset.notice", Outcome: audit.Failed, TargetID: r.rec.TargetID,
		Reason: what + ": " + err.Error(), Attrs: append(requestAttrs(r.rec.PartitionKey, r.rec.RowKey, r.rec.RequestorID),
			slog.String("notice", what))})
}

// giveUp runs on the last delivery of a message that keeps failing: the
// request is resumed with the reason so approvers see it, the record is
// done, and the message goes on to the poison queue. A pass whose POST may
// have applied is deleted first.
func (r *run) giveUp(cause error) {
	if r.rec.Step == StepTAPRequested {
		_ = r.recoverTAP() // deletes an unconfirmed pass and concludes
	}
	if r.rec.Step != StepResuming {
		r.rec.Outcome, r.rec.Reason = OutcomeFailed, failureReason(r.rec.Step, cause)
		if err := r.save(StepResuming); err != nil {
			return
		}
	}
	_ = r.resume()
}

// failureReason says how far the reset got, which matters to the helpdesk:
// after StepGuarded the user may have no methods left.
func failureReason(at Step, cause error) string {
	stage := "before anything was changed"
	switch at {
	case StepMethodsRemoved, StepSessionsRevoked, StepTAPRequested:
		stage = "after the sign-in methods were removed, before a pass was delivered"
	case StepGuarded:
		stage = "while removing the sign-in methods (some may be gone)"
	case StepDelivered:
		stage = "after the pass was delivered"
	}
	return "gave up " + stage + ": " + cause.Error()
}
