package phonesync

import (
	"context"
	"errors"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// apply makes the plan's write and returns the outcome and reason.
func (s *Service) apply(ctx context.Context, userID string, p Plan) (string, string) {
	switch p.Write {
	case CreateMobile:
		return s.create(ctx, userID, p.Want)
	case UpdateMobile:
		if err := s.Phones.UpdatePhone(ctx, userID, p.Mobile.ID, p.Want.Graph()); err != nil {
			return fail("could not update the mobile phone", err)
		}
		return Updated, ""
	case DeleteMobile:
		return s.delete(ctx, userID, p)
	}
	return p.Outcome, p.Reason
}

// create adds the mobile phone. Any failure but throttling may hide a
// phone that exists now (our POST applied with its answer lost, then the
// repeat refused; or another writer), so we look before reporting: the
// user ends with the wanted number or the caller learns why not.
func (s *Service) create(ctx context.Context, userID string, want Number) (string, string) {
	_, err := s.Phones.CreatePhone(ctx, userID, directory.PhoneMethod{Type: directory.PhoneMobile, Number: want.Graph()})
	if err == nil {
		return Created, ""
	}
	if errors.Is(err, directory.ErrThrottled) || errors.Is(err, directory.ErrNotFound) || ctx.Err() != nil {
		return fail("could not add the mobile phone", err)
	}
	phones, lerr := s.Phones.PhoneMethods(ctx, userID)
	mobile := phoneOfType(phones, directory.PhoneMobile)
	if lerr != nil || mobile == nil {
		return fail("could not add the mobile phone", err)
	}
	switch Compare(mobile.Number, want) {
	case Same:
		return Created, "confirmed by reading it back: Microsoft Graph's answer to the POST was lost"
	case MaskedConsistent:
		return Created, "a mobile phone with the same visible digits exists after Microsoft Graph's answer to the POST was lost"
	}
	if err := s.Phones.UpdatePhone(ctx, userID, mobile.ID, want.Graph()); err != nil {
		return fail("a mobile phone appeared while adding one, and could not be updated", err)
	}
	return Updated, "a mobile phone appeared while adding one; it was updated"
}

// delete removes the alternate mobile first when the plan says so (Graph
// refuses to delete a mobile while an alternate exists), then the mobile.
// Already gone counts as deleted: a repeat after a lost answer finds 404.
func (s *Service) delete(ctx context.Context, userID string, p Plan) (string, string) {
	for _, m := range append(p.AlsoDelete, *p.Mobile) {
		err := s.Phones.DeletePhone(ctx, userID, m.ID)
		if errors.Is(err, directory.ErrDefaultMethod) {
			return Failed, "Microsoft Graph refuses to delete the user's default sign-in method (" + m.Type +
				") while other methods remain; change the default first"
		}
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			return fail("could not delete the "+m.Type+" phone", err)
		}
	}
	return Deleted, p.Reason
}

func fail(what string, err error) (string, string) {
	r := failure(what, err)
	return r.Result, r.Reason
}

// failure turns a directory error into a reason the caller can act on.
// Errors carry Graph's status, code and message (never request bodies),
// with anything number-like masked.
func failure(what string, err error) Result {
	hint := ""
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		hint = "; the call ran out of time and the change may or may not have been made: send this user again"
	case errors.Is(err, directory.ErrThrottled), errors.Is(err, directory.ErrUnavailable):
		hint = "; sending this user again is safe"
	}
	return Result{Result: Failed, Reason: what + ": " + scrubNumbers(err.Error()) + hint}
}
