package mfareset

import (
	"context"
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
// remain). The sessions are revoked, and the temporary CA group joined, in
// the same round trip: all three are idempotent. Re-listing to catch
// stragglers runs alongside the pass POST (see issue).
func (r *run) removeMethods() error {
	extra := []func() error{func() error { return r.w.Dir.RevokeSessions(r.ctx, r.rec.TargetID) }}
	if r.w.Cfg.CAGroupID != "" && r.rec.CAGroupAddedAt.IsZero() {
		extra = append(extra, r.addToCAGroup)
	}
	removed, err := r.deleteTargeted(r.ctx, r.methods, extra...)
	if err != nil {
		return fmt.Errorf("remove methods: %w", err)
	}
	r.rec.MethodsRemoved = join(mergeTypes(split(r.rec.MethodsRemoved), typesOf(removed)))
	if err := r.save(StepMethodsRemoved, slog.String("methods_removed", r.rec.MethodsRemoved)); err != nil {
		return err
	}
	return r.save(StepSessionsRevoked)
}

// verify re-lists the methods until none of the targeted ones is left
// (deletions are eventually consistent, and a method registered meanwhile
// must go too); keep is the new pass, which stays.
func (r *run) verify(ctx context.Context, keep string) error {
	for round := 1; ; round++ {
		left, err := r.targeted(ctx, keep)
		if err != nil || len(left) == 0 {
			return err
		}
		if round >= maxRounds {
			return fmt.Errorf("methods still registered after %d rounds: %v", maxRounds, typesOf(left))
		}
		r.sleep(r.w.Settle)
		removed, err := r.deleteTargeted(ctx, left)
		r.rec.MethodsRemoved = join(mergeTypes(split(r.rec.MethodsRemoved), typesOf(removed)))
		if err != nil {
			return err
		}
	}
}

// deleteTargeted deletes the targeted methods of ms (listing them if ms is
// nil) with the extra calls alongside, then the default method.
func (r *run) deleteTargeted(ctx context.Context, ms []directory.Method, extra ...func() error) ([]directory.Method, error) {
	if ms == nil {
		var err error
		if ms, err = r.w.Dir.ListMethods(ctx, r.rec.TargetID); err != nil {
			return nil, err
		}
	}
	targets := r.filter(ms, "")
	var mu sync.Mutex
	var removed, deferred []directory.Method
	fns := make([]func() error, 0, len(targets)+1)
	for _, m := range targets {
		fns = append(fns, func() error {
			err := r.w.Dir.DeleteMethod(ctx, r.rec.TargetID, m)
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
	if err := parallel(append(fns, extra...)...); err != nil {
		return removed, err
	}
	for _, m := range deferred { // the default, now that the others are gone
		if err := r.w.Dir.DeleteMethod(ctx, r.rec.TargetID, m); err != nil && !errors.Is(err, directory.ErrNotFound) {
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

// targeted lists the user's methods of the types this service removes,
// except the method with id keep.
func (r *run) targeted(ctx context.Context, keep string) ([]directory.Method, error) {
	ms, err := r.w.Dir.ListMethods(ctx, r.rec.TargetID)
	return r.filter(ms, keep), err
}

func (r *run) filter(ms []directory.Method, keep string) []directory.Method {
	var out []directory.Method
	for _, m := range ms {
		if m.ID != keep && m.Type != directory.MethodPassword && slices.Contains(r.w.Cfg.MethodTypes, string(m.Type)) {
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
