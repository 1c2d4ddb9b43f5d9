package host

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbeAnswersBeforeReady(t *testing.T) {
	s, _ := newTestServer(t)
	r := do(t, s, "GET", "/", "", nil)
	mustJSONAnswer(t, r)
	if r.status != 200 || !strings.Contains(string(r.body), `"starting"`) {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	s.Ready(toyFunctions())
	if r := do(t, s, "GET", "/", "", nil); !strings.Contains(string(r.body), `"ready"`) {
		t.Fatalf("after Ready: %s", r.body)
	}
	if len(s.Functions()) != len(toyFunctions()) {
		t.Fatal("Functions() does not return the table")
	}
}

func TestInvocationWaitsForReady(t *testing.T) {
	s, _ := newTestServer(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	done := make(chan *http.Response, 1)
	go func() {
		res, err := http.Post(srv.URL+"/Cleanup", "application/json", strings.NewReader(fixtureTimerMonitor))
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case <-done:
		t.Fatal("invocation answered before Ready")
	case <-time.After(50 * time.Millisecond):
	}
	s.Ready(toyFunctions())
	res := <-done
	if res == nil {
		return
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
}

func TestInvocationBeforeReadyBoundedByContext(t *testing.T) {
	s, _ := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/Cleanup", strings.NewReader(fixtureTimerMonitor))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
}

func TestFail(t *testing.T) {
	s, logs := newTestServer(t)
	s.Fail(errors.New("KEYVAULT_URI is not set"))
	s.Ready(toyFunctions()) // too late: the first call counts
	r := do(t, s, "POST", "/Cleanup", fixtureTimerMonitor, nil)
	mustJSONAnswer(t, r)
	if r.status != 503 || !strings.Contains(string(r.body), "KEYVAULT_URI is not set") {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if r := do(t, s, "GET", "/", "", nil); r.status != 200 || !strings.Contains(string(r.body), "failed") {
		t.Fatalf("probe after Fail: %d %s", r.status, r.body)
	}
	if !strings.Contains(logs.String(), "start-up failed") {
		t.Error("Fail was not logged")
	}
}

func TestReadyWithInvalidTableFails(t *testing.T) {
	s, _ := newTestServer(t)
	s.Ready([]Function{{Name: "A", Trigger: "req"}, {Name: "A", Trigger: "req", Timer: func(context.Context, *TimerInfo) error { return nil }}})
	r := do(t, s, "POST", "/A", "{}", nil)
	if r.status != 503 || !strings.Contains(string(r.body), "duplicate") {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}

func TestValidateFunctions(t *testing.T) {
	noop := func(context.Context, *TimerInfo) error { return nil }
	tests := map[string][]Function{
		"no name":      {{Trigger: "t", Timer: noop}},
		"slash name":   {{Name: "a/b", Trigger: "t", Timer: noop}},
		"no trigger":   {{Name: "A", Timer: noop}},
		"two kinds":    {{Name: "A", Trigger: "t", Timer: noop, HTTP: func(context.Context, *HTTPRequest) *HTTPResponse { return nil }}},
		"bad route":    {{Name: "A", Trigger: "req", Route: "a/{*x}/b", HTTP: func(context.Context, *HTTPRequest) *HTTPResponse { return nil }}},
		"empty param":  {{Name: "A", Trigger: "req", Route: "a/{}", HTTP: func(context.Context, *HTTPRequest) *HTTPResponse { return nil }}},
		"double slash": {{Name: "A", Trigger: "req", Route: "a//b", HTTP: func(context.Context, *HTTPRequest) *HTTPResponse { return nil }}},
	}
	for name, fns := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := newTable(fns); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	if err := ValidateFunctions(toyFunctions()); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownAndMalformed(t *testing.T) {
	s, _ := readyServer(t)
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"unknown function", "POST", "/Nope", "{}", 404},
		{"function name is case-sensitive", "POST", "/work", fixtureQueueHost, 404},
		{"unknown route", "POST", "/api/nope", "{}", 404},
		{"outside the prefix", "GET", "/other/echo/1", "", 404},
		{"invocation not POST", "GET", "/Work", "", 405},
		{"malformed invocation", "POST", "/Work", "{not json", 400},
		{"trigger missing", "POST", "/Work", `{"Data":{},"Metadata":{}}`, 400},
		{"malformed http invocation", "POST", "/Echo", `{"Data":{"req":"x"}}`, 400},
		{"malformed timer invocation", "POST", "/Cleanup", `[]`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.method, tc.path, tc.body, nil)
			mustJSONAnswer(t, r)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d (%s)", r.status, tc.status, r.body)
			}
		})
	}
}

func TestQueueInvocation(t *testing.T) {
	s, _ := readyServer(t)
	r := do(t, s, "POST", "/Work", fixtureQueueHost, map[string]string{"Content-Type": "application/json; charset=utf-8"})
	if r.status != 200 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	outs := invocationOutputs(t, r)
	var results []string // an array of JSON strings, never a bare string
	if err := json.Unmarshal(outs["results"], &results); err != nil {
		t.Fatalf("results %s: %v", outs["results"], err)
	}
	want := []string{`{"jobId":"42","n":1}`, `{"raw":true}`, `YWJj`}
	if strings.Join(results, "|") != strings.Join(want, "|") {
		t.Fatalf("results %q", results)
	}
}

func TestQueueFailureIs500(t *testing.T) {
	s, logs := readyServer(t)
	body := strings.Replace(fixtureQueueHost, `jobId`, `fail`, 1)
	r := do(t, s, "POST", "/Work", body, map[string]string{"X-Azure-Functions-InvocationId": "inv-1"})
	mustJSONAnswer(t, r)
	if r.status != 500 || !strings.Contains(string(r.body), "job failed: boom") {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	l := logs.String()
	if !strings.Contains(l, "job failed: boom") || !strings.Contains(l, "inv-1") || !strings.Contains(l, `"dequeue_count":1`) {
		t.Errorf("failure not logged with context: %s", l)
	}
	if strings.Contains(l, "a@b.c") {
		t.Error("message body leaked into the log")
	}
}

func TestUndeclaredOutputFails(t *testing.T) {
	s, _ := newTestServer(t)
	s.Ready([]Function{{Name: "Q", Trigger: "msg", OutputBindings: []string{"Results"},
		Queue: func(context.Context, *QueueMessage) (Outputs, error) { return Outputs{"results": {"{}"}}, nil }}})
	r := do(t, s, "POST", "/Q", `{"Data":{"msg":"\"{}\""}}`, nil)
	if r.status != 500 || !strings.Contains(string(r.body), "not declared") {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}

func TestTimerInvocation(t *testing.T) {
	s, _ := readyServer(t)
	r := do(t, s, "POST", "/Cleanup", fixtureTimerMonitor, nil)
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if outs := invocationOutputs(t, r); len(outs) != 0 {
		t.Fatalf("outputs %v", outs)
	}
	r = do(t, s, "POST", "/Cleanup", fixtureTimerNoMonitor, nil)
	mustJSONAnswer(t, r)
	if r.status != 500 {
		t.Fatalf("past-due failure: status %d", r.status)
	}
}

func TestEnvelopeTooLarge(t *testing.T) {
	s, _ := readyServer(t)
	big := `{"Data":{"job":"` + strings.Repeat("a", int(envelopeLimit)) + `"}}`
	r := do(t, s, "POST", "/Work", big, nil)
	mustJSONAnswer(t, r)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", r.status)
	}
}

func TestListenAddr(t *testing.T) {
	t.Setenv("FUNCTIONS_CUSTOMHANDLER_PORT", "")
	t.Setenv("FUNCTIONS_HTTPWORKER_PORT", "")
	if got := ListenAddr(); got != "127.0.0.1:8080" {
		t.Errorf("default %q", got)
	}
	t.Setenv("FUNCTIONS_HTTPWORKER_PORT", "4000")
	if got := ListenAddr(); got != "127.0.0.1:4000" {
		t.Errorf("http worker %q", got)
	}
	t.Setenv("FUNCTIONS_CUSTOMHANDLER_PORT", "5000")
	if got := ListenAddr(); got != "127.0.0.1:5000" {
		t.Errorf("custom handler %q", got)
	}
}

func TestInvocationIDInContext(t *testing.T) {
	s, _ := newTestServer(t)
	var got string
	s.Ready([]Function{{Name: "T", Trigger: "timer", Timer: func(ctx context.Context, _ *TimerInfo) error {
		got = InvocationID(ctx)
		return nil
	}}})
	do(t, s, "POST", "/T", fixtureTimerMonitor, map[string]string{"X-Azure-Functions-InvocationId": "abc"})
	if got != "abc" {
		t.Fatalf("got %q", got)
	}
}
