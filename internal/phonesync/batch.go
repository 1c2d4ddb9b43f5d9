package phonesync

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// defaultBudget applies when Cfg.TimeBudget is zero: well inside the
// Functions host's 230-second limit on an HTTP answer.
const defaultBudget = 200 * time.Second

// batch is one call's shared state.
type batch struct {
	caller, correlation string

	mu      sync.Mutex
	claimed map[string]int // object id -> index of the entry working on it
}

// claim reserves a user for one entry, so a user named twice (by UPN and
// by object id) is not written by two workers at once.
func (b *batch) claim(userID string, index int) (first int, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i, taken := b.claimed[userID]; taken {
		return i, false
	}
	b.claimed[userID] = index
	return index, true
}

// Run syncs every entry with at most Cfg.Concurrency users in flight and
// returns the results in request order. Users not finished within the
// time budget are reported as errors to send again.
func (s *Service) Run(ctx context.Context, entries []Entry, caller, correlation string) []Result {
	budget := s.Cfg.TimeBudget
	if budget <= 0 {
		budget = defaultBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	b := &batch{caller: caller, correlation: correlation, claimed: map[string]int{}}
	results := make([]Result, len(entries))
	todo := make(chan int)
	var wg sync.WaitGroup
	for range min(max(s.Cfg.Concurrency, 1), max(len(entries), 1)) {
		wg.Go(func() {
			for i := range todo {
				results[i] = s.syncOne(ctx, b, entries[i])
			}
		})
	}
	s.feed(ctx, b, entries, results, todo)
	close(todo)
	wg.Wait()
	return results
}

// feed hands entries to the workers in order. Repeats of an earlier
// entry's exact reference are answered without a Graph call; once the
// budget is spent, the rest are answered as not attempted.
func (s *Service) feed(ctx context.Context, b *batch, entries []Entry, results []Result, todo chan<- int) {
	firstOf := map[string]int{}
	for i, e := range entries {
		key := strings.ToLower(e.User)
		if j, dup := firstOf[key]; dup {
			results[i] = s.finish(ctx, b, e, "", Result{Result: Skipped, Reason: fmt.Sprintf("the same user is named earlier, at index %d", j)})
			continue
		}
		firstOf[key] = i
		select {
		case todo <- i:
		case <-ctx.Done():
			results[i] = s.finish(ctx, b, e, "", Result{Result: Failed,
				Reason: "not attempted: the call ran out of time; send this user again"})
		}
	}
}
