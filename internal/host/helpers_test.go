package host

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
)

func newTestServer(t testing.TB) (*Server, *logcapture.Buffer) {
	t.Helper()
	log, logs := logcapture.New(slog.LevelDebug)
	return NewServer(log), logs
}

// toyFunctions is a small table covering every kind of function.
func toyFunctions() []Function {
	return []Function{
		{
			Name: "Echo", Trigger: "req", Route: "echo/{id}", Methods: []string{"post", "get"}, HTTPOut: "res", MaxBody: 64,
			HTTP: func(ctx context.Context, r *HTTPRequest) *HTTPResponse {
				return JSON(http.StatusOK, map[string]any{"id": r.Params["id"], "body": string(r.Body), "q": r.Query, "method": r.Method, "path": r.Path})
			},
		},
		{
			Name: "Reject", Trigger: "req", Route: "reject", Methods: []string{"post"},
			HTTP: func(context.Context, *HTTPRequest) *HTTPResponse {
				return Error(http.StatusBadRequest, "invalid_request", "upn missing")
			},
		},
		{
			Name: "Enqueue", Trigger: "req", Route: "enqueue", Methods: []string{"post"}, OutputBindings: []string{"jobs"},
			HTTP: func(context.Context, *HTTPRequest) *HTTPResponse {
				res := JSON(http.StatusAccepted, map[string]bool{"accepted": true})
				res.Outputs = Outputs{"jobs": {map[string]string{"jobId": "7"}}}
				return res
			},
		},
		{
			Name: "Panic", Trigger: "req", Route: "panic",
			HTTP: func(context.Context, *HTTPRequest) *HTTPResponse { panic("secret-panic-value") },
		},
		{
			Name: "Empty", Trigger: "req", Route: "empty",
			HTTP: func(context.Context, *HTTPRequest) *HTTPResponse {
				return &HTTPResponse{StatusCode: http.StatusNoContent}
			},
		},
		{
			Name: "Work", Trigger: "job", OutputBindings: []string{"results"},
			Queue: func(_ context.Context, m *QueueMessage) (Outputs, error) {
				if strings.Contains(string(m.Body), "fail") {
					return nil, errors.New("job failed: boom")
				}
				return Outputs{"results": {map[string]any{"jobId": "42", "n": m.DequeueCount}, `{"raw":true}`, []byte("YWJj")}}, nil
			},
		},
		{
			Name: "Cleanup", Trigger: "timer",
			Timer: func(_ context.Context, ti *TimerInfo) error {
				if ti.IsPastDue {
					return errors.New("past due")
				}
				return nil
			},
		},
	}
}

func readyServer(t testing.TB) (*Server, *logcapture.Buffer) {
	t.Helper()
	s, logs := newTestServer(t)
	s.Ready(toyFunctions())
	return s, logs
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, h http.Handler, method, target, body string, hdr map[string]string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// mustJSONAnswer checks the rule every answer follows.
func mustJSONAnswer(t testing.TB, r result) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if r.status != http.StatusNoContent && (len(r.body) == 0 || !json.Valid(r.body)) {
		t.Errorf("body %q is not JSON", r.body)
	}
}

// invocationOutputs decodes a JSON-protocol answer.
func invocationOutputs(t testing.TB, r result) map[string]json.RawMessage {
	t.Helper()
	mustJSONAnswer(t, r)
	var env struct {
		Outputs     map[string]json.RawMessage
		Logs        []string
		ReturnValue any
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("answer %s: %v", r.body, err)
	}
	if env.Outputs == nil || env.Logs == nil {
		t.Fatalf("answer %s lacks Outputs or Logs", r.body)
	}
	return env.Outputs
}
