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

// enrollAll works a page's users. Their rows are inserted first, if
// absent, a transaction per 100 (whoever inserts a row owns the user, so a
// redelivered page or a re-run never sends a user's options twice); then
// the users are worked in parallel; then every row's new state is written,
// again a transaction per 100. The page's lease keeps other deliveries
// out meanwhile. Graph's refusals become the users' states; only storage
// and queue failures are returned.
func (s *Service) enrollAll(ctx context.Context, j fido2msg.Job, job *JobRecord, users []directory.User) (*tally, error) {
	rows, err := s.claimPage(ctx, j, users)
	if err != nil {
		return nil, err
	}
	t := &tally{}
	sendErr := s.each(ctx, len(users), func(i int) error {
		if rows[i] == nil {
			return nil // someone else's, counted by them
		}
		state, err := s.enroll(ctx, j, job, users[i], rows[i])
		if err == nil {
			t.add(state)
		}
		return err
	})
	var mine []*UserRecord
	for _, r := range rows {
		if r != nil {
			r.Updated = s.stamp(r)
			mine = append(mine, r)
		}
	}
	if err := s.Users.ReplaceAll(ctx, mine); err != nil {
		return t, errors.Join(sendErr, fmt.Errorf("record the users' states: %w", err))
	}
	return t, sendErr
}

// stamp is a row's Updated time: now, except for a row this delivery
// could not finish, which is stale at once so the redelivered page takes
// it over instead of waiting out Stale.
func (s *Service) stamp(r *UserRecord) time.Time {
	if r.State == StateQueued {
		return time.Time{}
	}
	return s.now()
}

// claimPage inserts the page's user rows in transactions; the users of a
// transaction that failed (one of its rows exists) are claimed one by
// one. rows[i] is nil for a user another delivery or run holds.
func (s *Service) claimPage(ctx context.Context, j fido2msg.Job, users []directory.User) ([]*UserRecord, error) {
	rows := make([]*UserRecord, len(users))
	byKey := map[string]int{}
	for i, u := range users {
		rows[i] = s.newUserRow(j, u, j.Before+i+1)
		byKey[rows[i].RowKey] = i
	}
	failed, err := s.Users.InsertAll(ctx, uniqueRows(rows))
	if err != nil {
		return nil, err
	}
	for _, r := range failed {
		i := byKey[r.RowKey]
		got, err := s.claimUser(ctx, j, users[i], r.Index)
		if errors.Is(err, errTaken) {
			rows[i] = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		rows[i] = got
	}
	for i, r := range rows { // a user listed twice on one page is worked once
		if r != nil && byKey[r.RowKey] != i {
			rows[i] = nil
		}
	}
	return rows, nil
}

// uniqueRows drops repeated users: a transaction may not hold one row twice.
func uniqueRows(rows []*UserRecord) []*UserRecord {
	seen := map[string]bool{}
	var out []*UserRecord
	for _, r := range rows {
		if !seen[r.RowKey] {
			seen[r.RowKey] = true
			out = append(out, r)
		}
	}
	return out
}

func (s *Service) newUserRow(j fido2msg.Job, u directory.User, index int) *UserRecord {
	row := &UserRecord{UPN: u.UPN, DisplayName: u.DisplayName, Index: index, State: StateQueued, Run: j.Run, Updated: s.now()}
	row.PartitionKey, row.RowKey = userKeys(j.JobID, u.ID)
	return row
}

// enroll takes one claimed user to pending (or skipped, or failed) in
// memory and returns the state reached; enrollAll writes the row. A user
// whose options could not be sent stays queued and is an error.
func (s *Service) enroll(ctx context.Context, j fido2msg.Job, job *JobRecord, u directory.User, row *UserRecord) (string, error) {
	if reason := skipReason(u); reason != "" {
		row.State, row.Reason = StateSkipped, reason
		return StateSkipped, nil
	}
	raw, expires, reason, err := s.optionsFor(ctx, job, u)
	switch {
	case err != nil:
		row.State, row.Reason = StateFailed, reason
		return StateFailed, nil
	case reason != "":
		row.State, row.Reason = StateSkipped, reason
		return StateSkipped, nil
	}
	if err := s.sendPending(ctx, j.JobID, job, u, row.Index, raw, expires); err != nil {
		return "", fmt.Errorf("send %s's options: %w", u.ID, err)
	}
	row.State, row.ChallengeExpires, row.Issued, row.Reason = StatePending, expires, row.Issued+1, ""
	return StatePending, nil
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
	row := s.newUserRow(j, u, index)
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
