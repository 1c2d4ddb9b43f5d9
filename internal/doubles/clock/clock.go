// Package clock is a settable time source for tests: pass Fake.Now where
// code takes a `Now func() time.Time`, then Advance it instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Fake is a clock that moves only when told. Safe for concurrent use.
type Fake struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a Fake set to t.
func New(t time.Time) *Fake { return &Fake{t: t} }

// Now returns the clock's time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}
