package fido2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// errTaken: another delivery holds this user's row.
var errTaken = errors.New("user row held by another delivery")

// enrollAll works a page's users in parallel. Graph's refusals become the
// users' states; only storage and queue failures are returned.
func (s *Service) enrollAll(ctx context.Context, j fido2msg.Job, job *JobRecord, users []directory.User) (*tally, error) {
	t := &tally{}
	err := s.each(ctx, len(users), func(i int) error {
		state, err := s.enroll(ctx, j, job, users[i], j.Before+i+1)
		if err == nil {
			t.add(state)
		}
		return err
	})
	return t, err
}

// enroll takes one user from nothing to pending (or skipped, or failed)
// and returns the state reached. The row is inserted first, if absent:
// whoever inserts it owns the user, so two deliveries of one page, or two
// instances, never send the same user's options twice.
func (s *Service) enroll(ctx context.Context, j fido2msg.Job, job *JobRecord, u directory.User, index int) (string, error) {
	jobID := j.JobID
	row, err := s.claimUser(ctx, j, u, index)
	if errors.Is(err, errTaken) {
		return "", nil // counted by whoever holds it
	}
	if err != nil {
		return "", err
	}
	if reason := skipReason(u); reason != "" {
		return StateSkipped, s.settle(ctx, row, StateSkipped, reason)
	}
	raw, expires, reason, err := s.optionsFor(ctx, job, u)
	if err != nil {
		return StateFailed, s.settle(ctx, row, StateFailed, reason)
	}
	if reason != "" {
		return StateSkipped, s.settle(ctx, row, StateSkipped, reason)
	}
	if err := s.sendPending(ctx, jobID, job, u, index, raw, expires); err != nil {
		s.release(ctx, row)
		return "", fmt.Errorf("send %s's options: %w", u.ID, err)
	}
	row.State, row.ChallengeExpires, row.Issued, row.Reason = StatePending, expires, row.Issued+1, ""
	return StatePending, s.save(ctx, row)
}

// skipReason names accounts never enrolled: a user id that does not
// exist, disabled accounts and guests.
func skipReason(u directory.User) string {
	switch {
	case u.UPN == "":
		return "user not found"
	case !u.AccountEnabled:
		return "account disabled"
	case u.UserType != "" && !strings.EqualFold(u.UserType, "Member"):
		return "guest account"
	}
	return ""
}

// claimUser inserts the user's row in state queued, or takes over a row
// that a dead delivery left queued for longer than Stale, or that an
// earlier run left failed or expired.
func (s *Service) claimUser(ctx context.Context, j fido2msg.Job, u directory.User, index int) (*UserRecord, error) {
	row := &UserRecord{UPN: u.UPN, DisplayName: u.DisplayName, Index: index, State: StateQueued, Run: j.Run, Updated: s.now()}
	row.PartitionKey, row.RowKey = userKeys(j.JobID, u.ID)
	err := s.Users.Insert(ctx, row)
	if !errors.Is(err, ledger.ErrExists) {
		return row, err
	}
	got, err := s.Users.Get(ctx, row.PartitionKey, row.RowKey)
	if err != nil {
		return nil, err
	}
	if !s.mayRetake(got, j.Run) {
		return nil, errTaken
	}
	got.State, got.Run, got.Index, got.Updated = StateQueued, j.Run, index, s.now()
	if err := s.Users.Update(ctx, got); errors.Is(err, ledger.ErrConflict) {
		return nil, errTaken
	} else if err != nil {
		return nil, err
	}
	return got, nil
}

// mayRetake: a row is taken over when its worker died while it was
// queued, or when a later run retries what an earlier one could not do.
func (s *Service) mayRetake(row *UserRecord, run int) bool {
	if row.State == StateQueued {
		return s.now().Sub(row.Updated) >= s.stale()
	}
	if row.Run >= run {
		return false
	}
	expired := row.State == StateExpired || (row.State == StatePending && s.now().After(row.ChallengeExpires))
	return row.State == StateFailed || expired
}

// optionsFor asks Graph for the creation options and, unless the job
// includes protected accounts, checks the user in the same round trip.
// reason is set for a refusal (err nil) or a failure (err set).
func (s *Service) optionsFor(ctx context.Context, job *JobRecord, u directory.User) (json.RawMessage, time.Time, string, error) {
	var (
		raw              json.RawMessage
		expires          time.Time
		optErr, guardErr error
		done             = make(chan struct{})
	)
	go func() {
		defer close(done)
		if !job.IncludeProtected {
			guardErr = s.Guard.Check(ctx, u)
		}
	}()
	raw, expires, optErr = s.Graph.CreationOptions(ctx, u.ID, job.ChallengeTimeoutMinutes)
	<-done
	var refusal *guard.Refusal
	switch {
	case errors.As(guardErr, &refusal):
		return nil, time.Time{}, "protected account: " + refusal.Reason, nil
	case guardErr != nil:
		return nil, time.Time{}, "protection check failed: " + reasonOf(guardErr), guardErr
	case optErr != nil:
		return nil, time.Time{}, "creation options: " + reasonOf(optErr), optErr
	}
	return raw, expires, "", nil
}

// sendPending puts the user's options on fido2-pending, living as long as
// the challenge: after that Entra would refuse the key anyway.
func (s *Service) sendPending(ctx context.Context, jobID string, job *JobRecord, u directory.User, index int,
	raw json.RawMessage, expires time.Time) error {
	ttl := expires.Sub(s.now())
	if ttl < time.Minute {
		return fmt.Errorf("the challenge expires in %s, too soon to write a key", ttl.Round(time.Second))
	}
	text, err := fido2msg.Encode(fido2msg.NewPending(fido2msg.Pending{
		JobID: jobID, Index: index, User: fido2msg.PendingUser{ID: u.ID, UPN: u.UPN, DisplayName: u.DisplayName},
		CreationOptions: raw, ChallengeExpiresAt: expires, DisplayNameTemplate: job.DisplayNameTemplate, IssuedAt: s.now(),
	}))
	if err != nil {
		return err
	}
	return s.Queues.Send(ctx, fido2msg.QueuePending, text, ttl)
}

// settle records a final state for the user.
func (s *Service) settle(ctx context.Context, row *UserRecord, state, reason string) error {
	row.State, row.Reason = state, reason
	return s.save(ctx, row)
}

func (s *Service) save(ctx context.Context, row *UserRecord) error {
	row.Updated = s.now()
	if err := s.Users.Update(ctx, row); err != nil {
		return fmt.Errorf("record %s's state: %w", row.RowKey, err)
	}
	return nil
}

// release makes a row this delivery could not finish stale at once, so
// the redelivered page takes it over instead of waiting out Stale.
func (s *Service) release(ctx context.Context, row *UserRecord) {
	row.Updated = time.Time{}
	_ = s.Users.Update(ctx, row) // if this fails too, Stale frees it
}
