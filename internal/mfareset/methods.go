package mfareset

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// maxRounds bounds the re-list loop: Graph's deletions are eventually
// consistent, so a method may show again once.
const maxRounds = 3

// removeMethods deletes every targeted method through its typed endpoint,
// in parallel, the default method last (Graph refuses it while others
// remain), then re-lists until none is left. Sessions are revoked in the
// same round trip as the first deletions: both are idempotent.
func (r *run) removeMethods() error {
	removed, err := r.deleteTargeted(r.methods, true)
	for round := 1; err == nil; round++ {
		left, lerr := r.targeted()
		if lerr != nil || len(left) == 0 {
			err = lerr
			break
		}
		if round >= maxRounds {
			err = fmt.Errorf("methods still registered after %d rounds: %v", maxRounds, typesOf(left))
			break
		}
		r.sleep(r.w.Settle)
		var more []directory.Method
		more, err = r.deleteTargeted(left, false)
		removed = append(removed, more...)
	}
	if err != nil {
		return fmt.Errorf("remove methods: %w", err)
	}
	r.rec.MethodsRemoved = join(mergeTypes(split(r.rec.MethodsRemoved), typesOf(removed)))
	if err := r.save(StepMethodsRemoved, slog.String("methods_removed", r.rec.MethodsRemoved)); err != nil {
		return err
	}
	return r.save(StepSessionsRevoked)
}

// deleteTargeted deletes the targeted methods of ms; with revoke, the
// sign-in sessions are revoked alongside.
func (r *run) deleteTargeted(ms []directory.Method, revoke bool) ([]directory.Method, error) {
	if ms == nil && revoke {
		var err error
		if ms, err = r.w.Dir.ListMethods(r.ctx, r.rec.TargetID); err != nil {
			return nil, err
		}
	}
	targets := r.filter(ms)
	var mu sync.Mutex
	var removed, deferred []directory.Method
	fns := make([]func() error, 0, len(targets)+1)
	for _, m := range targets {
		fns = append(fns, func() error {
			err := r.w.Dir.DeleteMethod(r.ctx, r.rec.TargetID, m)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, directory.ErrDefaultMethod):
				deferred = append(deferred, m)
				return nil
			case err == nil, errors.Is(err, directory.ErrNotFound):
				removed = append(removed, m)
				return nil
			}
			return err
		})
	}
	if revoke {
		fns = append(fns, func() error { return r.w.Dir.RevokeSessions(r.ctx, r.rec.TargetID) })
	}
	if err := parallel(fns...); err != nil {
		return removed, err
	}
	for _, m := range deferred { // the default, now that the others are gone
		if err := r.w.Dir.DeleteMethod(r.ctx, r.rec.TargetID, m); err != nil && !errors.Is(err, directory.ErrNotFound) {
			return removed, err
		}
		removed = append(removed, m)
	}
	return removed, nil
}

// revoke is the step for a record that stopped between the two saves of
// removeMethods.
func (r *run) revoke() error {
	if err := r.w.Dir.RevokeSessions(r.ctx, r.rec.TargetID); err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return r.save(StepSessionsRevoked)
}

// targeted lists the user's methods of the types this service removes.
func (r *run) targeted() ([]directory.Method, error) {
	ms, err := r.w.Dir.ListMethods(r.ctx, r.rec.TargetID)
	return r.filter(ms), err
}

func (r *run) filter(ms []directory.Method) []directory.Method {
	var out []directory.Method
	for _, m := range ms {
		if m.Type != directory.MethodPassword && slices.Contains(r.w.Cfg.MethodTypes, string(m.Type)) {
			out = append(out, m)
		}
	}
	return out
}

func mergeTypes(a, b []string) []string {
	for _, t := range b {
		if !slices.Contains(a, t) {
			a = append(a, t)
		}
	}
	return a
}

func (r *run) sleep(d time.Duration) {
	if d > 0 {
		_ = sleep(r.ctx, d)
	}
}
