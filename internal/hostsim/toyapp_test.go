package hostsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

const toyHostJSON = `{
  "version": "2.0",
  "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"},
  "customHandler": {"description": {"defaultExecutablePath": "toy"}, "enableForwardingHttpRequest": %t},
  "extensions": {
    "http": {"routePrefix": "api"},
    "queues": {"maxDequeueCount": 3, "messageEncoding": "base64", "visibilityTimeout": "00:00:30"}
  }
}`

// toyFunctionJSON are the toy app's function.json files; QUEUE is replaced
// by a per-test token so tests sharing Azurite use their own queues.
var toyFunctionJSON = map[string]string{
	"Echo": `{"bindings":[
 {"type":"httpTrigger","direction":"in","name":"req","authLevel":"function","methods":["post"],"route":"echo/{id}"},
 {"type":"http","direction":"out","name":"res"}]}`,
	"Intake": `{"bindings":[
 {"type":"httpTrigger","direction":"in","name":"req","authLevel":"anonymous","methods":["post"],"route":"intake"},
 {"type":"http","direction":"out","name":"res"},
 {"type":"queue","direction":"out","name":"jobs","queueName":"QUEUE-Jobs","connection":"JobsStorage"}]}`,
	"Admin": `{"bindings":[
 {"type":"httpTrigger","direction":"in","name":"req","authLevel":"admin","route":"admin/ping"},
 {"type":"http","direction":"out","name":"res"}]}`,
	"Work": `{"bindings":[
 {"type":"queueTrigger","direction":"in","name":"job","queueName":"QUEUE-jobs","connection":"JobsStorage"},
 {"type":"queue","direction":"out","name":"results","queueName":"QUEUE-results","connection":"JobsStorage"}]}`,
	"Cleanup": `{"bindings":[
 {"type":"timerTrigger","direction":"in","name":"timer","schedule":"%CLEANUP_SCHEDULE%","useMonitor":true}]}`,
}

// badFunctionJSON are functions whose (canned) answers break a host rule.
var badFunctionJSON = map[string]string{
	"BadHTTP": `{"bindings":[
 {"type":"httpTrigger","direction":"in","name":"req","authLevel":"anonymous","methods":["post"]},
 {"type":"http","direction":"out","name":"res"},
 {"type":"queue","direction":"out","name":"jobs","queueName":"bad-jobs"}]}`,
	"BadQueue": `{"bindings":[
 {"type":"queueTrigger","direction":"in","name":"msg","queueName":"bad-in"},
 {"type":"queue","direction":"out","name":"out","queueName":"bad-out"}]}`,
}

// writeApp lays out a repository-style app in a temp dir.
func writeApp(t *testing.T, forwarding bool, queueToken string, extra map[string]string) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("host.json", fmt.Sprintf(toyHostJSON, forwarding))
	for name, doc := range toyFunctionJSON {
		write(filepath.Join("functions", name, "function.json"), strings.ReplaceAll(doc, "QUEUE", queueToken))
	}
	for name, doc := range extra {
		write(filepath.Join("functions", name, "function.json"), doc)
	}
	write("functions/README.md", "not a function folder")
	return root
}

// toyTable is the handler side of the toy app, built on internal/host.
func toyTable() []host.Function {
	return []host.Function{
		{Name: "Echo", Trigger: "req", Route: "echo/{id}", Methods: []string{"post"}, HTTPOut: "res",
			HTTP: func(ctx context.Context, r *host.HTTPRequest) *host.HTTPResponse {
				return host.JSON(http.StatusOK, map[string]any{
					"id": r.Params["id"], "body": string(r.Body), "url": r.URL, "q": r.Query,
					"invocation": host.InvocationID(ctx), "ua": r.Headers.Get("User-Agent"),
				})
			}},
		{Name: "Intake", Trigger: "req", Route: "intake", Methods: []string{"post"}, HTTPOut: "res", OutputBindings: []string{"jobs"},
			HTTP: func(_ context.Context, r *host.HTTPRequest) *host.HTTPResponse {
				if !json.Valid(r.Body) {
					return host.Error(http.StatusBadRequest, "invalid_json", "body is not JSON")
				}
				res := host.JSON(http.StatusAccepted, map[string]bool{"accepted": true})
				res.Outputs = host.Outputs{"jobs": {json.RawMessage(r.Body)}}
				return res
			}},
		{Name: "Admin", Trigger: "req", Route: "admin/ping",
			HTTP: func(context.Context, *host.HTTPRequest) *host.HTTPResponse {
				return host.JSON(200, map[string]string{"pong": "yes"})
			}},
		{Name: "Work", Trigger: "job", OutputBindings: []string{"results"},
			Queue: func(_ context.Context, m *host.QueueMessage) (host.Outputs, error) {
				var job struct{ JobID string }
				if err := json.Unmarshal(m.Body, &job); err != nil {
					return nil, fmt.Errorf("job is not JSON: %w", err)
				}
				if strings.HasPrefix(job.JobID, "fail") {
					return nil, errors.New("job " + job.JobID + " failed")
				}
				return host.Outputs{"results": {map[string]any{"jobId": job.JobID, "attempt": m.DequeueCount, "id": m.ID}}}, nil
			}},
		{Name: "Cleanup", Trigger: "timer",
			Timer: func(_ context.Context, ti *host.TimerInfo) error {
				if ti.IsPastDue {
					return errors.New("refusing a past-due run in this toy")
				}
				if ti.Last.IsZero() || ti.Next.IsZero() {
					return errors.New("no schedule status")
				}
				return nil
			}},
	}
}

// fakeHandler is an httptest server: internal/host for the toy functions,
// canned answers for the Bad* ones, recording every request body.
type fakeHandler struct {
	*httptest.Server
	mu     sync.Mutex
	calls  map[string]int    // path -> count
	bodies map[string][]byte // path -> last body
	canned http.HandlerFunc  // answers /BadHTTP and /BadQueue
}

func newFakeHandler(t *testing.T) *fakeHandler {
	t.Helper()
	srv := host.NewServer(slog.New(slog.DiscardHandler))
	srv.Ready(toyTable())
	f := &fakeHandler{calls: map[string]int{}, bodies: map[string][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		f.mu.Lock()
		f.calls[r.URL.Path]++
		f.bodies[r.URL.Path] = b
		canned := f.canned
		f.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/Bad") && canned != nil {
			canned(w, r)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeHandler) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

func (f *fakeHandler) body(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.bodies[path]
}

func (f *fakeHandler) answer(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canned = h
}

// newToySim wires a simulator to a fake handler over a fresh app folder.
func newToySim(t *testing.T, forwarding bool, cfg Config) (*Sim, *fakeHandler) {
	t.Helper()
	f := newFakeHandler(t)
	if cfg.AppRoot == "" {
		cfg.AppRoot = writeApp(t, forwarding, "toy", badFunctionJSON)
	}
	cfg.HandlerURL = f.URL
	if cfg.FunctionKey == "" {
		cfg.FunctionKey = "fkey"
	}
	cfg.Settings = map[string]string{"CLEANUP_SCHEDULE": "0 0 3 * * *"}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim, f
}
