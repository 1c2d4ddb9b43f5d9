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

// maxPlanRounds bounds re-planning after Graph refuses a deletion for its
// order, so a rule we do not know yet costs a round trip, not a delivery.
const maxPlanRounds = 3

// removeMethods deletes every targeted method through its typed endpoint
// in the order Graph requires (planDeletion): the alternateMobile phone
// before the mobile one, the default last, everything else at once. The
// sessions are revoked, and the temporary CA group joined, alongside the
// first stage: all three are idempotent. Re-listing to catch stragglers
// runs alongside the pass POST (see issue).
func (r *run) removeMethods() error {
	extra := []func() error{func() error { return r.w.Dir.RevokeSessions(r.ctx, r.rec.TargetID) }}
	if r.w.Cfg.CAGroupID != "" && r.rec.CAGroupAddedAt.IsZero() {
		extra = append(extra, r.addToCAGroup)
	}
	removed, err := r.deleteTargeted(r.ctx, r.methods, "", extra...)
	// Kept on failure too: releasing the lease saves what is already gone.
	r.rec.MethodsRemoved = join(mergeTypes(split(r.rec.MethodsRemoved), typesOf(removed)))
	if err != nil {
		return fmt.Errorf("remove methods: %w", err)
	}
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
		removed, err := r.deleteTargeted(ctx, left, keep)
		r.rec.MethodsRemoved = join(mergeTypes(split(r.rec.MethodsRemoved), typesOf(removed)))
		if err != nil {
			return err
		}
	}
}

// deleteTargeted deletes the targeted methods of ms but keep (listing them
// if ms is nil) by planDeletion, with the extra calls alongside the first
// stage. A deletion Graph refuses for its order fails nothing: the methods
// are listed again and a fresh plan runs, at most maxPlanRounds in all.
func (r *run) deleteTargeted(ctx context.Context, ms []directory.Method, keep string, extra ...func() error) ([]directory.Method, error) {
	preferred := r.preferred
	if ms == nil {
		var err error
		if ms, preferred, err = r.survey(ctx); err != nil {
			return nil, err
		}
	}
	s := &sweep{ctx: ctx, dir: r.w.Dir, user: r.rec.TargetID}
	for round := 1; ; round++ {
		targets := r.filter(ms, keep)
		refused, err := s.run(planDeletion(targets, defaultsOf(targets, preferred, s.refusedDefault)), extra)
		if err != nil || len(refused) == 0 {
			return s.removed, err
		}
		if round >= maxPlanRounds {
			return s.removed, fmt.Errorf("deletions still refused for their order after %d plans: %w", maxPlanRounds, errors.Join(refused...))
		}
		r.w.Log.InfoContext(ctx, "deletions refused for their order; planning again", "request_id", r.rec.PartitionKey,
			"round", round, "refused", typesOf(s.refusedMethods))
		extra = nil
		r.sleep(r.w.Settle) // a refusal may only mean an earlier deletion has not settled yet
		if ms, preferred, err = r.survey(ctx); err != nil {
			return s.removed, err
		}
	}
}

// survey lists the user's methods and reads their default second factor
// in one round trip: what planDeletion needs.
func (r *run) survey(ctx context.Context) (ms []directory.Method, preferred string, err error) {
	err = parallel(
		func() (err error) { ms, err = r.w.Dir.ListMethods(ctx, r.rec.TargetID); return err },
		func() (err error) { preferred, err = r.w.Dir.PreferredMethod(ctx, r.rec.TargetID); return err },
	)
	return ms, preferred, err
}

// sweep carries out deletion plans for one user and remembers what Graph
// told it across them.
type sweep struct {
	ctx  context.Context
	dir  directory.Directory
	user string

	mu      sync.Mutex
	removed []directory.Method
	// refused and refusedMethods are the last plan's ordering refusals.
	refused        []error
	refusedMethods []directory.Method
	// refusedDefault is a method Graph refused as the default: whatever
	// signInPreferences said, it goes last next time.
	refusedDefault string
}

// run carries out one plan: each stage's calls at once, the stages in
// order. A deletion refused for its order does not stop the plan: a later
// stage may remove what blocked it, so the next plan finds it free. Any
// other failure ends the plan after its stage.
func (s *sweep) run(p deletionPlan, extra []func() error) ([]error, error) {
	s.refused, s.refusedMethods = nil, nil
	stages := p.stages
	if len(stages) == 0 {
		stages = [][]directory.Method{nil} // nothing to delete: the extra calls still run
	}
	for i, stage := range stages {
		fns := make([]func() error, 0, len(stage)+len(extra)+1)
		for _, m := range stage {
			fns = append(fns, s.delete(m))
		}
		if i == 0 {
			fns = append(fns, extra...)
			if p.setDefault != "" {
				fns = append(fns, func() error { return s.setDefault(p.setDefault) })
			}
		}
		if err := parallel(fns...); err != nil {
			return s.refused, err
		}
	}
	return s.refused, nil
}

func (s *sweep) delete(m directory.Method) func() error {
	return func() error {
		err := s.dir.DeleteMethod(s.ctx, s.user, m)
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case err == nil, errors.Is(err, directory.ErrNotFound):
			s.removed = append(s.removed, m)
			return nil
		case directory.RefusedForOrder(err):
			if errors.Is(err, directory.ErrDefaultMethod) {
				s.refusedDefault = m.ID
			}
			s.refused, s.refusedMethods = append(s.refused, err), append(s.refusedMethods, m)
			return nil
		}
		return err
	}
}

func (s *sweep) setDefault(preferred string) error {
	if err := s.dir.SetPreferredMethod(s.ctx, s.user, preferred); err != nil {
		return fmt.Errorf("change the default method before deleting it: %w", err)
	}
	return nil
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
