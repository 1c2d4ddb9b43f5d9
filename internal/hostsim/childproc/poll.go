package childproc

import (
	"context"
	"errors"
	"time"
)

// ErrExited is returned by Poll when the process exited before it was ready.
var ErrExited = errors.New("process exited")

// Poll calls ready at once and then every interval until it returns true
// (nil), ctx ends (ctx.Err()) or exited is closed (ErrExited). It is the
// readiness loop for Azurite and the handler alike.
func Poll(ctx context.Context, interval time.Duration, exited <-chan struct{}, ready func(context.Context) bool) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if ready(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return ErrExited
		case <-tick.C:
		}
	}
}
