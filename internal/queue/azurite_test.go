package queue_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

func dequeueOne(t *testing.T, ctx context.Context, c *azqueue.ServiceClient, name string) string {
	t.Helper()
	res, err := c.NewQueueClient(name).DequeueMessage(ctx, nil)
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("dequeue %s: %v (%d messages)", name, err, len(res.Messages))
	}
	return *res.Messages[0].MessageText
}

func TestSendCreatesTheQueueAndEncodes(t *testing.T) {
	inst := azurite.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := queue.ServiceClient(inst.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	name := inst.NewName("send")
	if err := queue.Send(ctx, c, "Mixed"+name, map[string]string{"jobId": "42"}); err != nil {
		t.Fatal(err)
	}
	text := dequeueOne(t, ctx, c, "mixed"+name) // lower-cased, as the host does
	got, err := queue.Decode(text)
	if err != nil || string(got) != `{"jobId":"42"}` {
		t.Fatalf("message %q -> %s %v", text, got, err)
	}
	// The queue now exists: a second send takes the short path.
	if err := queue.Send(ctx, c, "mixed"+name, map[string]int{"n": 2}); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureQueueIsIdempotent(t *testing.T) {
	inst := azurite.Shared(t)
	ctx := context.Background()
	c, err := queue.ServiceClient(inst.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	name := inst.NewName("ensure")
	for range 2 {
		if err := queue.EnsureQueue(ctx, c, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := queue.EnqueueText(ctx, c, name, "eyJ9"); err != nil {
		t.Fatal(err)
	}
	if got := dequeueOne(t, ctx, c, name); got != "eyJ9" {
		t.Fatalf("got %q", got)
	}
}

func TestSendReportsServiceErrors(t *testing.T) {
	inst := azurite.Shared(t)
	c, err := queue.ServiceClient(inst.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	if err := queue.Send(context.Background(), c, "bad_name!", map[string]int{}); err == nil {
		t.Fatal("an invalid queue name must fail")
	}
}

// A job handed back for later stays invisible for the delay.
func TestSendAfterHidesTheMessage(t *testing.T) {
	inst := azurite.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := queue.ServiceClient(inst.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	name := inst.NewName("later")
	if err := queue.SendAfter(ctx, c, name, map[string]int{"n": 1}, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	res, err := c.NewQueueClient(name).DequeueMessage(ctx, nil)
	if err != nil || len(res.Messages) != 0 {
		t.Fatalf("visible at once: %v %d", err, len(res.Messages))
	}
	time.Sleep(2100 * time.Millisecond)
	if text := dequeueOne(t, ctx, c, name); text == "" {
		t.Fatal("not visible after the delay")
	}
}

// A message with a time-to-live carries its expiry, and the queue drops it
// once the time-to-live is over.
func TestEnqueueTextTTLExpires(t *testing.T) {
	inst := azurite.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := queue.ServiceClient(inst.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	name := inst.NewName("ttl")
	if err := queue.EnqueueTextTTL(ctx, c, name, "eyJ9", time.Hour); err != nil {
		t.Fatal(err)
	}
	peek, err := c.NewQueueClient(name).PeekMessage(ctx, nil)
	if err != nil || len(peek.Messages) != 1 {
		t.Fatalf("peek: %v", err)
	}
	m := peek.Messages[0]
	if life := m.ExpirationTime.Sub(*m.InsertionTime); life < 59*time.Minute || life > 61*time.Minute {
		t.Errorf("expires %s after insertion, want 1 h", life)
	}
	if err := queue.EnqueueTextTTL(ctx, c, name+"x", "eyJ9", time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	res, err := c.NewQueueClient(name+"x").DequeueMessage(ctx, nil)
	if err != nil || len(res.Messages) != 0 {
		t.Errorf("an expired message was delivered: %v %d", err, len(res.Messages))
	}
	if err := queue.EnqueueTextTTL(ctx, c, name, "eyJ9", 0); err == nil {
		t.Error("a zero time-to-live was accepted")
	}
}
