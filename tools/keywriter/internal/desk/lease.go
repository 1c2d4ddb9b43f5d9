package desk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

// Queues is the storage account's fido2-pending and fido2-results.
type Queues struct {
	Service *azqueue.ServiceClient
	// Pending and Results override the queue names (tests give each run
	// its own); empty means fido2-pending and fido2-results.
	Pending, Results string
}

func (q Queues) pendingName() string { return cmp.Or(q.Pending, fido2msg.QueuePending) }
func (q Queues) resultsName() string { return cmp.Or(q.Results, fido2msg.QueueResults) }

// PoisonName is where unreadable pending messages go.
func (q Queues) PoisonName() string { return q.pendingName() + "-poison" }

func (q Queues) pending() *azqueue.QueueClient { return q.Service.NewQueueClient(q.pendingName()) }

// lease is one pending message held invisible while the desk works on it.
type lease struct {
	q       *azqueue.QueueClient
	id      string
	text    string
	expires time.Time // the message's own expiry (its time-to-live)
	count   int64

	mu  sync.Mutex
	pop string
}

// next leases one message, or returns nil when the queue has none visible.
func (q Queues) next(ctx context.Context, visibility time.Duration) (*lease, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	secs := int32(visibility / time.Second)
	resp, err := q.pending().DequeueMessage(ctx, &azqueue.DequeueMessageOptions{VisibilityTimeout: &secs})
	if queueerror.HasCode(err, queueerror.QueueNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lease a message from %s: %w", q.pendingName(), err)
	}
	if len(resp.Messages) == 0 {
		return nil, nil
	}
	m := resp.Messages[0]
	l := &lease{q: q.pending(), id: deref(m.MessageID), text: deref(m.MessageText), pop: deref(m.PopReceipt)}
	if m.ExpirationTime != nil {
		l.expires = *m.ExpirationTime
	}
	if m.DequeueCount != nil {
		l.count = *m.DequeueCount
	}
	return l, nil
}

// callTimeout bounds one storage call with its retries. The queue client
// already bounds each try (storage.ClientOptions), but azcore then retries
// with backoff for minutes; an operator holding a key needs the error
// within 30 s instead.
const callTimeout = 30 * time.Second

func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, callTimeout)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// errLeaseLost: the message was taken by someone else or is gone; the
// item must stop before it touches a key.
var errLeaseLost = errors.New("the pending message is no longer ours (lease lost or message expired)")

// setVisibility makes the message invisible for d from now (0: visible at
// once). The queue refuses a visibility past the message's expiry, so d
// is cut to it.
func (l *lease) setVisibility(ctx context.Context, d time.Duration) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if !l.expires.IsZero() {
		d = min(d, time.Until(l.expires)-time.Second)
	}
	secs := int32(max(d, 0) / time.Second)
	l.mu.Lock()
	defer l.mu.Unlock()
	resp, err := l.q.UpdateMessage(ctx, l.id, l.pop, l.text, &azqueue.UpdateMessageOptions{VisibilityTimeout: &secs})
	if queueerror.HasCode(err, queueerror.MessageNotFound, queueerror.PopReceiptMismatch) {
		return errLeaseLost
	}
	if err != nil {
		return fmt.Errorf("update the pending message: %w", err)
	}
	l.pop = deref(resp.PopReceipt)
	return nil
}

// delete removes the message: its item is finished.
func (l *lease) delete(ctx context.Context) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.q.DeleteMessage(ctx, l.id, l.pop, nil)
	if queueerror.HasCode(err, queueerror.MessageNotFound) {
		return nil // gone already (expired): nothing left to finish
	}
	if err != nil {
		return fmt.Errorf("delete the pending message: %w", err)
	}
	return nil
}

// keep renews the lease every third of visibility until the returned stop
// is called. A lost lease cancels the returned context: the item must not
// go on writing a key someone else may be writing too.
func (l *lease) keep(ctx context.Context, visibility time.Duration, log *slog.Logger) (context.Context, func()) {
	t := time.NewTicker(visibility / 3)
	ctx, stop := l.keepWith(ctx, visibility, log, t.C)
	return ctx, func() {
		t.Stop()
		stop()
	}
}

// keepWith renews on every tick (tests tick by hand).
func (l *lease) keepWith(ctx context.Context, visibility time.Duration, log *slog.Logger, ticks <-chan time.Time) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticks:
				err := l.renew(ctx, visibility)
				if errors.Is(err, errLeaseLost) {
					cancel(errLeaseLost)
					return
				}
				if err != nil && ctx.Err() == nil {
					log.Warn("could not renew the lease; retrying", "err", err)
				}
			}
		}
	}()
	return ctx, func() {
		cancel(nil)
		<-done
	}
}

// renew extends the lease. It is not cut short when the item ends: a
// renewal the queue applied but whose answer was dropped would leave a
// stale pop receipt, and the delete or release after it would fail.
func (l *lease) renew(ctx context.Context, visibility time.Duration) error {
	return l.setVisibility(context.WithoutCancel(ctx), visibility)
}

// sendResult puts a result on fido2-results, living until the challenge
// expires (Entra refuses it afterwards), at least a minute.
func (q Queues) sendResult(ctx context.Context, text string, expires time.Time) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	ttl := max(time.Until(expires), time.Minute)
	return queue.EnqueueTextTTL(ctx, q.Service, q.resultsName(), text, ttl)
}

// poison moves an unreadable message to the poison queue, named as the
// Functions host names poison queues.
func (q Queues) poison(ctx context.Context, l *lease) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	if err := queue.EnqueueText(ctx, q.Service, q.PoisonName(), l.text); err != nil {
		return err
	}
	return l.delete(ctx)
}

// remaining is the queue's approximate message count, -1 if unknown.
func (q Queues) remaining(ctx context.Context) int {
	ctx, cancel := bounded(ctx)
	defer cancel()
	p, err := q.pending().GetProperties(ctx, nil)
	if err != nil || p.ApproximateMessagesCount == nil {
		return -1
	}
	return int(*p.ApproximateMessagesCount)
}

// peek reads up to 32 messages without leasing them.
func (q Queues) peek(ctx context.Context) ([]string, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	n := int32(32)
	resp, err := q.pending().PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: &n})
	if queueerror.HasCode(err, queueerror.QueueNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("peek %s: %w", q.pendingName(), err)
	}
	var out []string
	for _, m := range resp.Messages {
		out = append(out, deref(m.MessageText))
	}
	return out, nil
}
