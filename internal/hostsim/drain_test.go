package hostsim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

// storageSim is a toy simulator over the shared Azurite with its own queues.
func storageSim(t *testing.T) (*Sim, string) {
	t.Helper()
	inst := azurite.Shared(t)
	token := inst.NewName("toy")
	sim, _ := newToySim(t, true, Config{AppRoot: writeApp(t, true, token, nil), StorageConn: inst.ConnectionString()})
	return sim, token
}

// drainTexts takes every visible message of a queue.
func drainTexts(t *testing.T, ctx context.Context, c *azqueue.ServiceClient, name string) []string {
	t.Helper()
	var texts []string
	q := c.NewQueueClient(name)
	for {
		n := int32(32)
		res, err := q.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{NumberOfMessages: &n})
		if err != nil {
			t.Fatalf("dequeue %s: %v", name, err)
		}
		if len(res.Messages) == 0 {
			sort.Strings(texts)
			return texts
		}
		for _, m := range res.Messages {
			texts = append(texts, *m.MessageText)
		}
	}
}

func TestDrainQueueRetriesThenPoisons(t *testing.T) {
	sim, token := storageSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := sim.Storage()
	jobs := token + "-jobs"
	for _, id := range []string{"a", "b", "fail-x"} {
		if err := queue.Send(ctx, c, jobs, map[string]string{"jobId": id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := queue.EnqueueText(ctx, c, jobs, "not base64!"); err != nil {
		t.Fatal(err)
	}

	res, err := sim.DrainQueue(ctx, "Work", DrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// a, b once each; fail-x maxDequeueCount (3) times; the non-base64
	// message never reaches the handler.
	if res.Invocations != 5 || res.Succeeded != 2 || res.Failed != 3 || res.Poisoned != 2 || res.Written[token+"-results"] != 2 {
		t.Fatalf("result %+v", res)
	}
	failures := 0
	for _, err := range res.Errors {
		var ie *InvocationError
		if errors.As(err, &ie) && !ie.Violation && ie.Status == 500 {
			failures++
		}
	}
	if len(res.Errors) != 4 || failures != 3 {
		t.Fatalf("errors %v", res.Errors)
	}

	var got []map[string]any
	for _, text := range drainTexts(t, ctx, c, token+"-results") {
		b, err := queue.Decode(text) // written base64-encoded, as the host does
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("result %s: %v", b, err)
		}
		got = append(got, m)
	}
	sort.Slice(got, func(i, j int) bool { return got[i]["jobId"].(string) < got[j]["jobId"].(string) })
	if len(got) != 2 || got[0]["jobId"] != "a" || got[1]["jobId"] != "b" || got[0]["attempt"] != 1.0 {
		t.Fatalf("results %v", got)
	}
	failText, _ := queue.Encode(map[string]string{"jobId": "fail-x"})
	poison := drainTexts(t, ctx, c, jobs+"-poison")
	if len(poison) != 2 || poison[0] != failText || poison[1] != "not base64!" {
		t.Fatalf("poison %q", poison)
	}
	if left := drainTexts(t, ctx, c, jobs); len(left) != 0 {
		t.Fatalf("left in %s: %q", jobs, left)
	}
}

func TestDrainQueueStopsAtMaxInvocations(t *testing.T) {
	sim, token := storageSim(t)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		if err := queue.Send(ctx, sim.Storage(), token+"-jobs", map[string]string{"jobId": id}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := sim.DrainQueue(ctx, "Work", DrainOptions{MaxInvocations: 2})
	if err != nil || res.Invocations != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	if left := drainTexts(t, ctx, sim.Storage(), token+"-jobs"); len(left) != 1 {
		t.Fatalf("left %q", left)
	}
}

func TestHTTPOutputsAreWritten(t *testing.T) {
	sim, token := storageSim(t)
	ctx := context.Background()
	res, err := sim.HTTP(ctx, "Intake", Request{Method: "POST", Body: []byte(`{"jobId":"h1"}`), Headers: http.Header{"Content-Type": {"application/json"}}})
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("%+v %v", res, err)
	}
	texts := drainTexts(t, ctx, sim.Storage(), token+"-jobs") // "QUEUE-Jobs" lower-cased
	if len(texts) != 1 {
		t.Fatalf("jobs %q", texts)
	}
	if b, _ := queue.Decode(texts[0]); string(b) != `{"jobId":"h1"}` {
		t.Fatalf("job %s", b)
	}
}

func TestDrainQueueNeedsStorage(t *testing.T) {
	sim, _ := newToySim(t, true, Config{})
	if _, err := sim.DrainQueue(context.Background(), "Work", DrainOptions{}); err == nil {
		t.Fatal("want an error without StorageConn")
	}
}
