package phonesync

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// defaultBudget applies when Cfg.TimeBudget is zero: well inside the
// Functions host's 230-second limit on an HTTP answer.
const defaultBudget = 200 * time.Second

// batch is one call's shared state. Workers touch only their own index.
type batch struct {
	caller, correlation string
	entries             []Entry
	results             []Result
	done                []bool // results[i] is final
	reads               []read
}

// read is what was learnt about an entry's user before deciding.
type read struct {
	user   directory.PhoneSourceUser
	phones []directory.PhoneMethod
	err    error
}

const notAttempted = "not attempted: the call ran out of time; send this user again"

// Run syncs the entries and returns the results in request order, with at
// most Cfg.Concurrency users in flight. Users not finished within the
// time budget are reported as errors to send again.
//
// One user must never be written twice, and which entry wins must not
// depend on timing. Repeats of the same reference are answered up front.
// Two different user principal names cannot name one user, nor two object
// ids; so a batch using one kind of reference runs each user straight
// through (read, decide, write). A batch mixing both runs in two phases,
// reading every user first, so that an object id and a UPN of the same
// user are reduced to the first entry before anything is written.
func (s *Service) Run(ctx context.Context, entries []Entry, caller, correlation string) []Result {
	budget := s.Cfg.TimeBudget
	if budget <= 0 {
		budget = defaultBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	b := &batch{caller: caller, correlation: correlation, entries: entries,
		results: make([]Result, len(entries)), done: make([]bool, len(entries)), reads: make([]read, len(entries))}
	s.skipRepeats(ctx, b)
	if !mixedReferences(entries) {
		s.parallel(ctx, b, func(i int) {
			if s.readOne(ctx, b, i) {
				s.writeOne(ctx, b, i)
			}
		})
		return b.results
	}
	s.parallel(ctx, b, func(i int) { s.readOne(ctx, b, i) })
	s.skipSameUser(ctx, b)
	s.parallel(ctx, b, func(i int) { s.writeOne(ctx, b, i) })
	return b.results
}

// mixedReferences reports whether entries name users both by object id
// and by user principal name.
func mixedReferences(entries []Entry) bool {
	ids := 0
	for _, e := range entries {
		if directory.IsObjectID(e.User) {
			ids++
		}
	}
	return ids > 0 && ids < len(entries)
}

// readOne reads entry i's user and phones; it concludes the entry and
// returns false when that fails.
func (s *Service) readOne(ctx context.Context, b *batch, i int) bool {
	r := &b.reads[i]
	r.user, r.phones, r.err = s.read(ctx, b.entries[i].User)
	switch {
	case r.err != nil:
		s.conclude(ctx, b, i, "", readFailure(r.err))
	case r.user.ID == "":
		s.conclude(ctx, b, i, "", Result{Result: Failed, Reason: "Microsoft Graph returned the user without an id"})
	default:
		return true
	}
	return false
}

func (s *Service) writeOne(ctx context.Context, b *batch, i int) {
	b.results[i] = s.decideAndWrite(ctx, b, b.entries[i], b.reads[i])
	b.done[i] = true
}

// skipRepeats answers entries that repeat an earlier entry's exact
// reference without a Graph call.
func (s *Service) skipRepeats(ctx context.Context, b *batch) {
	firstOf := map[string]int{}
	for i, e := range b.entries {
		key := strings.ToLower(e.User)
		if j, dup := firstOf[key]; dup {
			s.conclude(ctx, b, i, "", Result{Result: Skipped, Reason: fmt.Sprintf("the same user is named earlier, at index %d", j)})
			continue
		}
		firstOf[key] = i
	}
}

// skipSameUser concludes entries naming a user an earlier entry named by
// another reference (an object id and a UPN).
func (s *Service) skipSameUser(ctx context.Context, b *batch) {
	firstOf := map[string]int{}
	for i, r := range b.reads {
		if b.done[i] {
			continue
		}
		if j, dup := firstOf[r.user.ID]; dup {
			s.conclude(ctx, b, i, r.user.ID, Result{Result: Skipped, Reason: fmt.Sprintf("the same user is named earlier, at index %d", j)})
			continue
		}
		firstOf[r.user.ID] = i
	}
}

// parallel runs work for every entry not yet concluded, at most
// Cfg.Concurrency at a time, in index order; entries it cannot start
// before the budget runs out are concluded as not attempted.
func (s *Service) parallel(ctx context.Context, b *batch, work func(i int)) {
	todo := make(chan int)
	var wg sync.WaitGroup
	for range min(max(s.Cfg.Concurrency, 1), max(len(b.entries), 1)) {
		wg.Go(func() {
			for i := range todo {
				work(i)
			}
		})
	}
	for i := range b.entries {
		if b.done[i] {
			continue
		}
		select {
		case todo <- i:
		case <-ctx.Done():
			s.conclude(ctx, b, i, b.reads[i].user.ID, Result{Result: Failed, Reason: notAttempted})
		}
	}
	close(todo)
	wg.Wait()
}

// conclude records a final result for entry i (with its audit event).
func (s *Service) conclude(ctx context.Context, b *batch, i int, userID string, r Result) {
	b.results[i] = s.finish(ctx, b, b.entries[i], userID, r)
	b.done[i] = true
}
