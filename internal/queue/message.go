package queue

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"
)

// Encode turns v into queue message text: JSON, then standard base64, as
// the Functions queue trigger decodes it by default. json.RawMessage and
// []byte are taken as JSON text already. Keep messages JSON objects: a bare
// JSON string cannot be told from the host's double encoding.
func Encode(v any) (string, error) {
	var b []byte
	switch m := v.(type) {
	case json.RawMessage:
		b = m
	case []byte:
		b = m
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return "", fmt.Errorf("encode queue message: %w", err)
		}
	}
	if !json.Valid(b) {
		return "", errors.New("encode queue message: not valid JSON")
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Decode reverses Encode: it returns the JSON text of a message.
func Decode(text string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("decode queue message: not base64: %w", err)
	}
	return b, nil
}

// Send encodes v and puts it on queue, creating the queue if missing.
func Send(ctx context.Context, client *azqueue.ServiceClient, queue string, v any) error {
	return SendAfter(ctx, client, queue, v, 0)
}

// SendAfter is Send with the message invisible for delay (whole seconds,
// at most 7 days): a job handed back for later.
func SendAfter(ctx context.Context, client *azqueue.ServiceClient, queue string, v any, delay time.Duration) error {
	text, err := Encode(v)
	if err != nil {
		return err
	}
	return enqueue(ctx, client, queue, text, delay)
}

// EnqueueText puts already-encoded text on queue, creating the queue if
// missing. Queue names are lower-cased as the Functions host does. The
// first attempt skips the create call: queues nearly always exist.
func EnqueueText(ctx context.Context, client *azqueue.ServiceClient, queue, text string) error {
	return enqueue(ctx, client, queue, text, 0)
}

// EnqueueTextTTL is EnqueueText for a message that is worthless after ttl
// (whole seconds, at least 1): the queue drops it then instead of keeping
// it the default 7 days.
func EnqueueTextTTL(ctx context.Context, client *azqueue.ServiceClient, queue, text string, ttl time.Duration) error {
	if ttl < time.Second {
		return fmt.Errorf("enqueue to %s: time-to-live %s is under a second", queue, ttl)
	}
	secs := int32(min(ttl, time.Duration(1<<31-1)*time.Second).Seconds())
	return enqueueWith(ctx, client, queue, text, &azqueue.EnqueueMessageOptions{TimeToLive: &secs})
}

func enqueue(ctx context.Context, client *azqueue.ServiceClient, queue, text string, delay time.Duration) error {
	var opts *azqueue.EnqueueMessageOptions
	if delay > 0 {
		secs := int32(min(delay, 7*24*time.Hour).Seconds() + 0.999)
		opts = &azqueue.EnqueueMessageOptions{VisibilityTimeout: &secs}
	}
	return enqueueWith(ctx, client, queue, text, opts)
}

func enqueueWith(ctx context.Context, client *azqueue.ServiceClient, queue, text string, opts *azqueue.EnqueueMessageOptions) error {
	name := strings.ToLower(queue)
	q := client.NewQueueClient(name)
	_, err := q.EnqueueMessage(ctx, text, opts)
	if queueerror.HasCode(err, queueerror.QueueNotFound) {
		if err = EnsureQueue(ctx, client, name); err == nil {
			_, err = q.EnqueueMessage(ctx, text, opts)
		}
	}
	if err != nil {
		return fmt.Errorf("enqueue to %s: %w", name, err)
	}
	return nil
}

// EnsureQueue creates queue (lower-cased) unless it exists.
func EnsureQueue(ctx context.Context, client *azqueue.ServiceClient, queue string) error {
	name := strings.ToLower(queue)
	_, err := client.CreateQueue(ctx, name, nil)
	if err != nil && !queueerror.HasCode(err, queueerror.QueueAlreadyExists) {
		return fmt.Errorf("create queue %s: %w", name, err)
	}
	return nil
}

// TextSender puts encoded text on the account's queues: the narrow queue
// port of workflows that choose a message's time-to-live.
type TextSender struct{ Client *azqueue.ServiceClient }

// SendLater enqueues text on name, invisible for delay (at most 7 days).
func (s TextSender) SendLater(ctx context.Context, name, text string, delay time.Duration) error {
	return enqueue(ctx, s.Client, name, text, delay)
}

// Send enqueues text on name; ttl > 0 drops it after ttl.
func (s TextSender) Send(ctx context.Context, name, text string, ttl time.Duration) error {
	if ttl > 0 {
		return EnqueueTextTTL(ctx, s.Client, name, text, ttl)
	}
	return EnqueueText(ctx, s.Client, name, text)
}
