package phonesync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
)

// sourceOverride names the request's Mobile field as a source.
const sourceOverride = "Mobile"

// decideAndWrite decides one user from what was read and applies the
// plan. Every path ends in finish, which audits it.
func (s *Service) decideAndWrite(ctx context.Context, b *batch, e Entry, rd read) Result {
	source, from := rd.user.Source, s.Cfg.Source
	if e.Mobile != "" {
		source, from = e.Mobile, sourceOverride
	}
	plan := Decide(Facts{
		Source: source, Region: s.Cfg.DefaultRegion, OverwriteNull: e.OverwriteNull,
		Phones: rd.phones, DeleteAlternate: s.Cfg.DeleteAlternateMobile,
	})
	r := Result{Source: from, Result: plan.Outcome, Reason: plan.Reason}
	if plan.Mobile != nil {
		r.Previous = maskNumber(plan.Mobile.Number)
	}
	if plan.Want.CountryCode != 0 {
		r.Number = plan.Want.Masked()
	}
	if plan.Writes() {
		r.Result, r.Reason = s.write(ctx, rd.user.User, plan)
	}
	return s.finish(ctx, b, e, rd.user.ID, r)
}

// read fetches the user with the source attribute and their phones at the
// same time: two round trips' latency become one.
func (s *Service) read(ctx context.Context, ref string) (directory.PhoneSourceUser, []directory.PhoneMethod, error) {
	var user directory.PhoneSourceUser
	var phones []directory.PhoneMethod
	var uErr, pErr error
	var wg sync.WaitGroup
	wg.Go(func() { user, uErr = s.Phones.PhoneSource(ctx, ref, s.Cfg.Source) })
	wg.Go(func() { phones, pErr = s.Phones.PhoneMethods(ctx, ref) })
	wg.Wait()
	if uErr != nil {
		return user, nil, fmt.Errorf("read the user: %w", uErr)
	}
	if pErr != nil {
		return user, nil, fmt.Errorf("list the phone methods: %w", pErr)
	}
	return user, phones, nil
}

func readFailure(err error) Result {
	if errors.Is(err, directory.ErrNotFound) {
		return Result{Result: Failed, Reason: "no such user"}
	}
	return failure("could not read the user", err)
}

// write checks the guard, then applies the plan. The guard is asked only
// here: a user whose phone is already right costs no membership reads.
func (s *Service) write(ctx context.Context, u directory.User, p Plan) (string, string) {
	if err := s.Guard.Check(ctx, u); err != nil {
		var refusal *guard.Refusal
		if errors.As(err, &refusal) {
			return Skipped, "protected account, never changed by the sync: " + refusal.Reason
		}
		r := failure("could not check whether the account is protected", err)
		return r.Result, r.Reason
	}
	return s.apply(ctx, u.ID, p)
}

// finish fills in the entry's identity and records one audit event.
func (s *Service) finish(ctx context.Context, b *batch, e Entry, userID string, r Result) Result {
	r.Index, r.User, r.UserID = e.Index, e.User, userID
	s.Audit.Record(ctx, audit.Event{
		Action: Action, Outcome: auditOutcome(r.Result), Reason: r.Reason,
		TargetID: userID, Caller: b.caller, Correlation: b.correlation,
		Attrs: []slog.Attr{
			slog.String("result", r.Result), slog.String("user", e.User), slog.Int("index", e.Index),
			slog.String("phone_type", directory.PhoneMobile), slog.String("source", r.Source),
			slog.String("number", r.Number), slog.String("previous", r.Previous),
		},
	})
	return r
}

func auditOutcome(result string) string {
	switch result {
	case Skipped:
		return audit.Refused
	case Failed:
		return audit.Failed
	}
	return audit.Succeeded
}
