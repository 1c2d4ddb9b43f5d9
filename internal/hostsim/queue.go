package hostsim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/google/uuid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

// QueueResult is a successful queue invocation.
type QueueResult struct {
	// Outputs holds each queue output's messages as the host would write
	// them (before messageEncoding), by binding name.
	Outputs map[string][][]byte
	// Written counts the messages written per queue (with StorageConn).
	Written      map[string]int
	Logs         []string
	InvocationID string
}

// queueMeta is the message metadata the trigger passes on.
type queueMeta struct {
	id, popReceipt                 string
	dequeueCount                   int64
	inserted, expires, nextVisible time.Time
}

// Queue invokes queue function name once with message text msg (already
// base64-decoded, as the host passes it) and the given dequeue count. A
// failed invocation is an *InvocationError.
func (s *Sim) Queue(ctx context.Context, name string, msg []byte, dequeueCount int64) (*QueueResult, error) {
	fn, err := s.function(name, "queueTrigger")
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	return s.invokeQueue(ctx, fn, msg, queueMeta{
		id: uuid.NewString(), popReceipt: randomReceipt(), dequeueCount: dequeueCount,
		inserted: now, expires: now.Add(7 * 24 * time.Hour), nextVisible: now.Add(10 * time.Minute),
	})
}

// invokeQueue builds the host's queue payload (§2.4): the text JSON-encoded
// twice (plain base64 of the bytes for dataType binary), Id and PopReceipt
// quoted, DequeueCount as a string, dates ISO.
func (s *Sim) invokeQueue(ctx context.Context, fn *Function, msg []byte, m queueMeta) (*QueueResult, error) {
	data := quoted(string(msg))
	if strings.EqualFold(fn.Trigger().DataType, "binary") {
		data = encodeBase64(msg)
	}
	iso := func(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }
	inv := invocation{
		Data: map[string]any{fn.Trigger().Name: data},
		Metadata: map[string]any{
			"DequeueCount":   strconv.FormatInt(m.dequeueCount, 10),
			"ExpirationTime": iso(m.expires), "InsertionTime": iso(m.inserted), "NextVisibleTime": iso(m.nextVisible),
			"Id": quoted(m.id), "PopReceipt": quoted(m.popReceipt),
			"sys": sysMetadata(fn),
		},
	}
	out, err := s.invoke(ctx, fn, inv)
	if err != nil {
		return nil, err
	}
	return &QueueResult{Outputs: out.Messages, Written: out.Written, Logs: out.Logs, InvocationID: out.InvocationID}, nil
}

// DrainOptions tunes DrainQueue.
type DrainOptions struct {
	// MaxInvocations stops the drain after this many invocations; 0 runs
	// until no message is visible.
	MaxInvocations int
	// RetryDelay is how long a failed message stays invisible. The host
	// uses host.json visibilityTimeout (HostConfig); the default here is 0,
	// so retries happen within one drain.
	RetryDelay time.Duration
	// Lease is the visibility timeout while a message is processed
	// (default 5 minutes).
	Lease time.Duration
}

// DrainResult counts what a drain did.
type DrainResult struct {
	Invocations, Succeeded, Failed, Poisoned int
	// Written counts output messages per target queue.
	Written map[string]int
	// Errors holds the reason for each failed invocation or poisoning.
	Errors []error
}

// DrainQueue runs the host's queue loop over function name's queue in
// Storage: dequeue, base64-decode (messageEncoding), invoke; on success
// (outputs written, see Sim) delete the message; on failure make
// it visible again, or at DequeueCount >= maxDequeueCount copy it to
// <queue>-poison and delete it. A message that is not base64 goes straight
// to poison, as the Queues extension 5.x does. The error is for storage or
// context failures only; failed invocations are in the result.
func (s *Sim) DrainQueue(ctx context.Context, name string, opts DrainOptions) (DrainResult, error) {
	res := DrainResult{Written: map[string]int{}}
	fn, err := s.function(name, "queueTrigger")
	if err != nil {
		return res, err
	}
	if s.storage == nil {
		return res, errors.New("hostsim: DrainQueue needs Config.StorageConn")
	}
	if opts.Lease == 0 {
		opts.Lease = 5 * time.Minute
	}
	d := &drain{s: s, fn: fn, opts: opts, res: &res, queue: strings.ToLower(s.resolve(fn.Trigger().QueueName))}
	d.client = s.storage.NewQueueClient(d.queue)
	for opts.MaxInvocations == 0 || res.Invocations < opts.MaxInvocations {
		more, err := d.next(ctx)
		if err != nil || !more {
			return res, err
		}
	}
	return res, nil
}

// drain is one DrainQueue run.
type drain struct {
	s      *Sim
	fn     *Function
	opts   DrainOptions
	res    *DrainResult
	queue  string
	client *azqueue.QueueClient
}

// next handles one message; false when none is visible.
func (d *drain) next(ctx context.Context) (bool, error) {
	lease := int32(d.opts.Lease / time.Second)
	got, err := d.client.DequeueMessage(ctx, &azqueue.DequeueMessageOptions{VisibilityTimeout: &lease})
	if err != nil {
		return false, fmt.Errorf("hostsim: dequeue from %s: %w", d.queue, err)
	}
	if len(got.Messages) == 0 {
		return false, nil
	}
	return true, d.handle(ctx, got.Messages[0])
}

func (d *drain) handle(ctx context.Context, m *azqueue.DequeuedMessage) error {
	text := deref(m.MessageText)
	body := []byte(text)
	if d.s.host.MessageEncoding == "base64" {
		decoded, ok := dotnetBase64(text)
		if !ok {
			d.res.Errors = append(d.res.Errors, fmt.Errorf("message %s is not base64: moved to poison without an invocation", deref(m.MessageID)))
			return d.poison(ctx, m)
		}
		body = decoded
	}
	d.res.Invocations++
	out, err := d.s.invokeQueue(ctx, d.fn, body, metaOf(m))
	if err != nil {
		return d.failed(ctx, m, err)
	}
	for q, n := range out.Written {
		d.res.Written[q] += n
	}
	d.res.Succeeded++
	return d.delete(ctx, m)
}

func (d *drain) failed(ctx context.Context, m *azqueue.DequeuedMessage, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d.res.Failed++
	d.res.Errors = append(d.res.Errors, err)
	if deref(m.DequeueCount) >= d.s.host.MaxDequeueCount {
		return d.poison(ctx, m)
	}
	visible := int32(d.opts.RetryDelay / time.Second)
	if _, err := d.client.UpdateMessage(ctx, deref(m.MessageID), deref(m.PopReceipt), deref(m.MessageText),
		&azqueue.UpdateMessageOptions{VisibilityTimeout: &visible}); err != nil {
		return fmt.Errorf("hostsim: release message in %s: %w", d.queue, err)
	}
	return nil
}

// poison copies the message text to <queue>-poison and deletes it.
func (d *drain) poison(ctx context.Context, m *azqueue.DequeuedMessage) error {
	target := d.queue + "-poison"
	if err := queue.EnqueueText(ctx, d.s.storage, target, deref(m.MessageText)); err != nil {
		return fmt.Errorf("hostsim: %w", err)
	}
	d.s.log.WarnContext(ctx, "message moved to poison queue", "queue", d.queue, "message_id", deref(m.MessageID), "dequeue_count", deref(m.DequeueCount))
	d.res.Poisoned++
	return d.delete(ctx, m)
}

func (d *drain) delete(ctx context.Context, m *azqueue.DequeuedMessage) error {
	if _, err := d.client.DeleteMessage(ctx, deref(m.MessageID), deref(m.PopReceipt), nil); err != nil {
		return fmt.Errorf("hostsim: delete message from %s: %w", d.queue, err)
	}
	return nil
}

func metaOf(m *azqueue.DequeuedMessage) queueMeta {
	return queueMeta{
		id: deref(m.MessageID), popReceipt: deref(m.PopReceipt), dequeueCount: deref(m.DequeueCount),
		inserted: deref(m.InsertionTime), expires: deref(m.ExpirationTime), nextVisible: deref(m.TimeNextVisible),
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
