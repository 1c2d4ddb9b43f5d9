package hostsim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadAndTransportSelection(t *testing.T) {
	for _, forwarding := range []bool{true, false} {
		sim, _ := newToySim(t, forwarding, Config{})
		want := map[string]bool{"Echo": forwarding, "Admin": forwarding, "Intake": false, "BadHTTP": false, "Work": false, "Cleanup": false}
		for _, fn := range sim.Functions() {
			if got := fn.Forwarded(sim.HostConfig()); got != want[fn.Name] {
				t.Errorf("forwarding=%v: %s forwarded=%v", forwarding, fn.Name, got)
			}
		}
	}
	sim, _ := newToySim(t, true, Config{})
	hc := sim.HostConfig()
	if hc.MaxDequeueCount != 3 || hc.RoutePrefix != "api" || hc.MessageEncoding != "base64" || hc.VisibilityTimeout != 30*time.Second {
		t.Fatalf("host config %+v", hc)
	}
	if len(sim.Functions()) != 7 {
		t.Fatalf("%d functions", len(sim.Functions()))
	}
}

func TestLoadRejectsWhatTheHostRejects(t *testing.T) {
	tests := map[string]string{
		"two triggers": `{"bindings":[{"type":"queueTrigger","direction":"in","name":"a","queueName":"q"},{"type":"timerTrigger","direction":"in","name":"b","schedule":"0 * * * * *"}]}`,
		"no trigger":   `{"bindings":[{"type":"queue","direction":"out","name":"a","queueName":"q"}]}`,
		"bad name":     `{"bindings":[{"type":"httpTrigger","direction":"in","name":"my-req"}]}`,
		"bad method":   `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","methods":["fetch"]}]}`,
		"no queueName": `{"bindings":[{"type":"queueTrigger","direction":"in","name":"m"}]}`,
		"dup binding":  `{"bindings":[{"type":"httpTrigger","direction":"in","name":"req"},{"type":"http","direction":"out","name":"Req"}]}`,
		"bad json":     `{"bindings":[`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			root := writeApp(t, true, "x", map[string]string{"Broken": doc})
			if _, err := New(Config{AppRoot: root, HandlerURL: "http://127.0.0.1:1"}); err == nil || !strings.Contains(err.Error(), "Broken") {
				t.Fatalf("got %v", err)
			}
		})
	}
	root := t.TempDir()
	if _, err := New(Config{AppRoot: root, HandlerURL: "http://127.0.0.1:1"}); err == nil {
		t.Fatal("a folder without host.json must fail")
	}
}

func TestDeployedLayout(t *testing.T) {
	// dist/: function folders beside host.json, no functions/ folder.
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "host.json"), []byte(`{"version":"2.0","customHandler":{}}`), 0o644)
	os.MkdirAll(filepath.Join(root, "Echo"), 0o755)
	os.WriteFile(filepath.Join(root, "Echo", "function.json"), []byte(toyFunctionJSON["Echo"]), 0o644)
	sim, err := New(Config{AppRoot: root, HandlerURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if fns := sim.Functions(); len(fns) != 1 || fns[0].Forwarded(sim.HostConfig()) {
		t.Fatalf("forwarding defaults to off: %+v", fns)
	}
}

func TestHTTPForwarded(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	res, err := sim.HTTP(context.Background(), "Echo", Request{
		Method: "post", Path: "echo/a%20b", Query: url.Values{"x": {"1", "2"}},
		Headers: http.Header{"X-Functions-Key": {"fkey"}, "Content-Type": {"application/json"}}, Body: []byte(`{"n":1}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Forwarded || !res.HandlerCalled || res.StatusCode != 200 {
		t.Fatalf("res %+v", res)
	}
	var got map[string]any
	if err := res.DecodeJSON(&got); err != nil {
		t.Fatal(err)
	}
	if got["id"] != "a b" || got["body"] != `{"n":1}` || got["invocation"] != res.InvocationID ||
		!strings.HasPrefix(got["ua"].(string), "Azure-Functions-Host/") || !strings.HasPrefix(got["url"].(string), "http://localhost:7071/api/echo/a%20b?x=1&x=2") {
		t.Fatalf("handler saw %v", got)
	}
	if f.count("/api/echo/a b") != 1 {
		t.Fatalf("calls %v", f.calls)
	}
}

func TestHTTPOverJSONProtocol(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	res, err := sim.HTTP(context.Background(), "Intake", Request{Method: "POST", Headers: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"jobId":"9"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Forwarded || res.StatusCode != 202 || res.Headers.Get("Content-Type") != "application/json" {
		t.Fatalf("res %+v", res)
	}
	if msgs := res.Outputs["jobs"]; len(msgs) != 1 || string(msgs[0]) != `{"jobId":"9"}` {
		t.Fatalf("outputs %q", res.Outputs)
	}
	// The request went out in the host's shape.
	var inv struct {
		Data     map[string]map[string]any
		Metadata map[string]any
	}
	if err := json.Unmarshal(f.body("/Intake"), &inv); err != nil {
		t.Fatal(err)
	}
	req := inv.Data["req"]
	if req["Method"] != "POST" || req["Body"] != `{"jobId":"9"}` || req["Url"] != "http://localhost:7071/api/intake" {
		t.Fatalf("req object %v", req)
	}
	if h, ok := req["Headers"].(map[string]any)["Content-Type"].([]any); !ok || h[0] != "application/json" {
		t.Fatalf("headers must be arrays: %v", req["Headers"])
	}
	if inv.Metadata["sys"].(map[string]any)["MethodName"] != "Intake" {
		t.Fatalf("metadata %v", inv.Metadata)
	}
	// A caller's 4xx is a 200 invocation carrying a 4xx res.
	res, err = sim.HTTP(context.Background(), "Intake", Request{Method: "POST", Body: []byte("nope")})
	if err != nil || res.StatusCode != 400 || !strings.Contains(string(res.Body), "invalid_json") {
		t.Fatalf("4xx: %+v %v", res, err)
	}
}

func TestHTTPWithoutBodyOmitsBody(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	if _, err := sim.HTTP(context.Background(), "Intake", Request{Method: "POST"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(f.body("/Intake")), `"Body"`) {
		t.Fatalf("empty Body sent: %s", f.body("/Intake"))
	}
}

func TestAuthLevelEmulation(t *testing.T) {
	sim, f := newToySim(t, true, Config{MasterKey: "mkey"})
	ctx := context.Background()
	tests := []struct {
		name, fn, path string
		headers        http.Header
		query          url.Values
		status         int
	}{
		{"no key", "Echo", "echo/1", nil, nil, 401},
		{"wrong key", "Echo", "echo/1", http.Header{"X-Functions-Key": {"nope"}}, nil, 401},
		{"key in header", "Echo", "echo/1", http.Header{"X-Functions-Key": {"fkey"}}, nil, 200},
		{"key in query", "Echo", "echo/1", nil, url.Values{"code": {"fkey"}}, 200},
		{"master key passes function level", "Echo", "echo/1", http.Header{"X-Functions-Key": {"mkey"}}, nil, 200},
		{"function key fails admin level", "Admin", "", http.Header{"X-Functions-Key": {"fkey"}}, nil, 401},
		{"master key passes admin level", "Admin", "", nil, url.Values{"code": {"mkey"}}, 200},
		{"anonymous", "Intake", "", nil, nil, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.count("/api/echo/1") + f.count("/api/admin/ping")
			res, err := sim.HTTP(ctx, tc.fn, Request{Method: "POST", Path: tc.path, Headers: tc.headers, Query: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			called := f.count("/api/echo/1")+f.count("/api/admin/ping") > before
			if tc.status == 401 && (called || res.HandlerCalled) {
				t.Fatal("the handler was called for a request the host rejects")
			}
		})
	}
}

func TestHostOwn404(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	key := http.Header{"X-Functions-Key": {"fkey"}}
	for _, req := range []Request{
		{Method: "GET", Path: "echo/1", Headers: key},       // method not in function.json
		{Method: "POST", Path: "echo/1/2", Headers: key},    // path not matching the route
		{Method: "POST", Path: "other/thing", Headers: key}, // another route
	} {
		res, err := sim.HTTP(context.Background(), "Echo", req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 404 || res.HandlerCalled {
			t.Fatalf("%+v: %+v", req, res)
		}
	}
	if len(f.calls) != 0 {
		t.Fatalf("handler called: %v", f.calls)
	}
	if _, err := sim.HTTP(context.Background(), "Echo", Request{Method: "POST", Headers: key}); err == nil {
		t.Fatal("a parameterised route needs Request.Path")
	}
	if _, err := sim.HTTP(context.Background(), "Work", Request{}); err == nil {
		t.Fatal("Work is not an HTTP function")
	}
	if _, err := sim.HTTP(context.Background(), "echo", Request{}); err == nil {
		t.Fatal("function names are case-sensitive")
	}
}

func TestQueueInvocationShape(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	res, err := sim.Queue(context.Background(), "Work", []byte(`{"jobId":"42"}`), 2)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if msgs := res.Outputs["results"]; len(msgs) != 1 || json.Unmarshal(msgs[0], &out) != nil || out["jobId"] != "42" || out["attempt"] != 2.0 {
		t.Fatalf("outputs %q", res.Outputs)
	}
	raw := string(f.body("/Work"))
	for _, want := range []string{
		`"job":"\"{\\\"jobId\\\":\\\"42\\\"}\""`, // double-encoded
		`"DequeueCount":"2"`,                     // a string
		`"Id":"\"`, `"PopReceipt":"\"`,           // quoted
		`"MethodName":"Work"`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("invocation lacks %s: %s", want, raw)
		}
	}
	if id, _ := out["id"].(string); id == "" || strings.Contains(id, `"`) {
		t.Errorf("handler saw id %q", id)
	}
	_, err = sim.Queue(context.Background(), "Work", []byte(`{"jobId":"fail-1"}`), 1)
	var ie *InvocationError
	if !errors.As(err, &ie) || ie.Violation || ie.Status != 500 {
		t.Fatalf("failure: %v", err)
	}
}

func TestTimer(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	if err := sim.Timer(context.Background(), "Cleanup", false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(f.body("/Cleanup")), `"ScheduleStatus":{`) {
		t.Errorf("payload %s", f.body("/Cleanup"))
	}
	var ie *InvocationError
	if err := sim.Timer(context.Background(), "Cleanup", true); !errors.As(err, &ie) || ie.Violation {
		t.Fatalf("past due: %v", err)
	}
	sim.cfg.Settings["CLEANUP_SCHEDULE"] = "0 3 * * *" // 5 fields: the host rejects it
	if err := sim.Timer(context.Background(), "Cleanup", false); err == nil {
		t.Fatal("a 5-field schedule must fail")
	}
}

func TestWaitReady(t *testing.T) {
	sim, _ := newToySim(t, true, Config{})
	d, err := sim.WaitReady(context.Background())
	if err != nil || d > time.Second {
		t.Fatalf("ready after %v: %v", d, err)
	}
	dead, err := New(Config{AppRoot: sim.cfg.AppRoot, HandlerURL: "http://127.0.0.1:1", InitTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.WaitReady(context.Background()); err == nil {
		t.Fatal("nothing listens: want an error")
	}
}
