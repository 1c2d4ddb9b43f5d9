package fido2

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// ReplaceAction names the deletion of older passkeys in audit events.
const ReplaceAction = "fido2.replace"

// replace deletes the user's other passkeys for a replaceExisting job.
// It runs only once the new key is registered (row.MethodID), so a user
// is never left without one; a failed deletion is retried with the
// message, and the registered state makes the retry skip the POST.
func (s *Service) replace(ctx context.Context, r fido2msg.Result, job *JobRecord, row *UserRecord) error {
	if !job.ReplaceExisting || row.ReplaceDone || row.MethodID == "" {
		return nil
	}
	ms, err := s.Graph.ListFido2(ctx, r.UserID)
	if err != nil {
		return fmt.Errorf("list %s's passkeys: %w", r.UserID, err)
	}
	var deleted []string
	for _, m := range ms {
		if m.ID == row.MethodID {
			continue
		}
		if err := s.Graph.DeleteFido2(ctx, r.UserID, m.ID); err != nil && !errors.Is(err, directory.ErrNotFound) {
			s.recordReplaced(ctx, r, row, deleted, err)
			return fmt.Errorf("delete %s's older passkey: %w", r.UserID, err)
		}
		deleted = append(deleted, m.ID)
	}
	row.ReplaceDone = true
	s.recordReplaced(ctx, r, row, deleted, nil)
	return s.save(ctx, row)
}

// recordReplaced audits the deletions, one event per clean-up pass.
func (s *Service) recordReplaced(ctx context.Context, r fido2msg.Result, row *UserRecord, deleted []string, err error) {
	row.Replaced += len(deleted)
	outcome, reason := audit.Succeeded, ""
	if err != nil {
		outcome, reason = audit.Failed, reasonOf(err)
	}
	if len(deleted) == 0 && err == nil {
		return
	}
	s.Audit.Record(ctx, audit.Event{Action: ReplaceAction, Outcome: outcome, Reason: reason, TargetID: r.UserID,
		Correlation: host.InvocationID(ctx), Attrs: []slog.Attr{
			slog.String("job_id", r.JobID), slog.String("kept_method_id", row.MethodID),
			slog.Any("deleted_method_ids", deleted),
		}})
}
