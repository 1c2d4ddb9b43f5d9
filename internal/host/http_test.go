package host

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// httpOut decodes the http output of a JSON-protocol answer.
func httpOut(t *testing.T, r result, name string) httpOutput {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("invocation status %d %s", r.status, r.body)
	}
	outs := invocationOutputs(t, r)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(outs[name], &raw); err != nil {
		t.Fatalf("output %s: %s", name, outs[name])
	}
	// The host reads statusCode as a number or string; we send a number
	// and header values as strings only.
	var out httpOutput
	if err := json.Unmarshal(outs[name], &out); err != nil {
		t.Fatalf("output %s: %v", outs[name], err)
	}
	return out
}

func echoInvocation(method, body string) string {
	req := map[string]any{
		"Url": "http://localhost:7071/api/echo/7?a=1", "Method": method, "Query": map[string]string{"a": "1"},
		"Headers": map[string][]string{"Content-Type": {"application/json"}}, "Params": map[string]string{"id": "7"},
	}
	if body != "" {
		req["Body"] = body
	}
	b, _ := json.Marshal(map[string]any{"Data": map[string]any{"req": req}, "Metadata": map[string]any{}})
	return string(b)
}

func TestHTTPOverJSONProtocol(t *testing.T) {
	s, _ := readyServer(t)
	out := httpOut(t, do(t, s, "POST", "/Echo", echoInvocation("POST", `{"x":1}`), nil), "res")
	if out.StatusCode != 200 || out.Headers["Content-Type"] != "application/json" {
		t.Fatalf("res %+v", out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got["id"] != "7" || got["body"] != `{"x":1}` || got["method"] != "POST" || got["path"] != "/api/echo/7" {
		t.Fatalf("echo %v", got)
	}
}

func TestHTTPOverJSONProtocolCallerErrors(t *testing.T) {
	s, _ := readyServer(t)
	tests := []struct {
		name, fn, body string
		status         int
		code           string
	}{
		{"function 4xx is a 200 invocation", "Reject", `{"Data":{"req":{"Method":"POST","Body":"{}"}}}`, 400, "invalid_request"},
		{"wrong method", "Echo", echoInvocation("DELETE", ""), 405, "method_not_allowed"},
		{"body over MaxBody", "Echo", echoInvocation("POST", strings.Repeat("x", 65)), 413, "body_too_large"},
		{"envelope far over MaxBody", "Echo", echoInvocation("POST", strings.Repeat("x", 8<<20)), 413, "body_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := httpOut(t, do(t, s, "POST", "/"+tc.fn, tc.body, nil), "res")
			if out.StatusCode != tc.status || !strings.Contains(out.Body, tc.code) {
				t.Fatalf("res %+v", out)
			}
		})
	}
}

func TestHTTPExtraOutputs(t *testing.T) {
	s, _ := readyServer(t)
	r := do(t, s, "POST", "/Enqueue", `{"Data":{"req":{"Method":"POST"}}}`, nil)
	out := httpOut(t, r, "res")
	if out.StatusCode != 202 {
		t.Fatalf("res %+v", out)
	}
	var jobs []string
	if err := json.Unmarshal(invocationOutputs(t, r)["jobs"], &jobs); err != nil || len(jobs) != 1 || jobs[0] != `{"jobId":"7"}` {
		t.Fatalf("jobs %v %v", jobs, err)
	}
}

func TestNoContentOverJSONProtocol(t *testing.T) {
	s, _ := readyServer(t)
	out := httpOut(t, do(t, s, "POST", "/Empty", `{"Data":{"req":{"Method":"GET"}}}`, nil), "res")
	if out.StatusCode != 204 || out.Body != "" {
		t.Fatalf("res %+v", out)
	}
}

func TestForwarded(t *testing.T) {
	s, logs := readyServer(t)
	r := do(t, s, "POST", "/api/echo/u%2F1?a=1&a=2&code=SECRETKEY", `{"x":"BODYSECRET"}`,
		map[string]string{"X-Functions-Key": "HEADERSECRET", "Content-Type": "application/json"})
	mustJSONAnswer(t, r)
	if r.status != 200 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	var got struct {
		ID, Body, Method, Path string
		Q                      map[string]string
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "u/1" || got.Q["a"] != "1,2" || got.Body != `{"x":"BODYSECRET"}` || got.Path != "/api/echo/u/1" {
		t.Fatalf("echo %+v", got)
	}
	for _, secret := range []string{"SECRETKEY", "HEADERSECRET", "BODYSECRET"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("%s leaked into the log", secret)
		}
	}
}

func TestForwardedCallerErrors(t *testing.T) {
	s, _ := readyServer(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"caller 4xx passes through", "POST", "/api/reject", "{}", 400, "invalid_request"},
		{"wrong method", "DELETE", "/api/echo/1", "", 405, "method_not_allowed"},
		{"unknown route", "GET", "/api/echo/1/2", "", 404, "not_found"},
		{"body too large", "POST", "/api/echo/1", strings.Repeat("x", 65), 413, "body_too_large"},
		{"prefix is case-insensitive", "GET", "/API/Echo/1/", "", 200, `"id":"1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.method, tc.path, tc.body, nil)
			mustJSONAnswer(t, r)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.code) {
				t.Fatalf("got %d %s", r.status, r.body)
			}
		})
	}
}

// A chunked body has no Content-Length: the limit must hold while reading.
func TestForwardedChunkedTooLarge(t *testing.T) {
	called := false
	s2, _ := newTestServer(t)
	s2.Ready([]Function{{Name: "Big", Trigger: "req", Route: "big", MaxBody: 10,
		HTTP: func(context.Context, *HTTPRequest) *HTTPResponse { called = true; return JSON(200, nil) }}})
	srv := httptest.NewServer(s2)
	defer srv.Close()
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(strings.Repeat("y", 100)))
		pw.Close()
	}()
	res, err := http.Post(srv.URL+"/api/big", "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 413 || called {
		t.Fatalf("status %d called %v", res.StatusCode, called)
	}
}

func TestForwardedNoContentAndDefaults(t *testing.T) {
	s, _ := readyServer(t)
	if r := do(t, s, "GET", "/api/empty", "", nil); r.status != 204 || len(r.body) != 0 {
		t.Fatalf("got %d %q", r.status, r.body)
	}
}

func TestPanicDoesNotLeak(t *testing.T) {
	s, logs := readyServer(t)
	for _, path := range []string{"/api/panic", "/Panic"} {
		body := ""
		if path == "/Panic" {
			body = `{"Data":{"req":{"Method":"GET"}}}`
		}
		r := do(t, s, "POST", path, body, nil)
		mustJSONAnswer(t, r)
		if r.status != 500 || strings.Contains(string(r.body), "secret-panic-value") {
			t.Fatalf("%s: got %d %s", path, r.status, r.body)
		}
	}
	if !strings.Contains(logs.String(), "secret-panic-value") {
		t.Error("panic value not logged")
	}
}

func TestRoutePrefix(t *testing.T) {
	s, _ := newTestServer(t)
	s.SetRoutePrefix("")
	s.Ready(toyFunctions())
	if r := do(t, s, "GET", "/echo/3", "", nil); r.status != 200 {
		t.Fatalf("empty prefix: %d %s", r.status, r.body)
	}
	// A function name still wins for a JSON invocation.
	if r := do(t, s, "POST", "/Cleanup", fixtureTimerMonitor, nil); r.status != 200 {
		t.Fatalf("invocation with empty prefix: %d", r.status)
	}
}
