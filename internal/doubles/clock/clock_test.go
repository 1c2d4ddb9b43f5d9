package clock_test

import (
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
)

func TestFakeMovesOnlyWhenAdvanced(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := clock.New(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v", c.Now())
	}
	c.Advance(90 * time.Second)
	if got := c.Now().Sub(start); got != 90*time.Second {
		t.Fatalf("advanced by %v", got)
	}
}
