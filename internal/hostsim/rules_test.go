package hostsim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestResponseRules runs canned handler answers through the host's rules.
func TestResponseRules(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	ctx := context.Background()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		violation   bool // want an *InvocationError with Violation
		failure     bool // want an *InvocationError without Violation
		check       func(t *testing.T, res *Response)
	}{
		{name: "text/plain fails", status: 200, contentType: "text/plain", body: `{"Outputs":{}}`, violation: true},
		{name: "no content type fails", status: 200, body: `{"Outputs":{}}`, violation: true},
		{name: "empty body fails", status: 200, contentType: "application/json", violation: true},
		{name: "null body fails", status: 200, contentType: "application/json", body: "null", violation: true},
		{name: "non-2xx fails, outputs discarded", status: 500, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200,"body":"{}"}}}`, failure: true},
		{name: "output key case must match", status: 200, contentType: "application/json",
			body: `{"Outputs":{"Res":{"statusCode":200,"body":"{}"}}}`, violation: true},
		{name: "missing http output", status: 200, contentType: "application/json", body: `{"Outputs":{}}`, violation: true},
		{name: "header values must be strings", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200,"headers":{"X-A":["1"]},"body":"{}"}}}`, violation: true},
		{name: "bad statusCode", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":"created","body":"{}"}}}`, violation: true},
		{name: "statusCode as string, lower-case envelope keys", status: 200, contentType: "application/json; charset=utf-8",
			body: `{"outputs":{"res":{"statusCode":"201","headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}"}},"logs":["hi"]}`,
			check: func(t *testing.T, res *Response) {
				if res.StatusCode != 201 || string(res.Body) != `{"ok":true}` || res.Logs[0] != "hi" {
					t.Fatalf("res %+v", res)
				}
			}},
		{name: "object body is re-serialised as text/plain", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200,"body":{"a":1}}}}`,
			check: func(t *testing.T, res *Response) {
				if !strings.HasPrefix(res.Headers.Get("Content-Type"), "text/plain") || string(res.Body) != "{\n  \"a\": 1\n}" {
					t.Fatalf("res %q %q", res.Headers, res.Body)
				}
			}},
		{name: "queue output bare base64-looking string is decoded", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200},"jobs":"done"}}`,
			check: func(t *testing.T, res *Response) {
				if got := res.Outputs["jobs"]; len(got) != 1 || string(got[0]) != "v\x89\xde" {
					t.Fatalf("the base64 trap: %q", got)
				}
			}},
		{name: "queue output array of JSON strings is exact", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200},"jobs":["{\"a\":1}","{\"b\":2}"]}}`,
			check: func(t *testing.T, res *Response) {
				if got := res.Outputs["jobs"]; len(got) != 2 || string(got[0]) != `{"a":1}` || string(got[1]) != `{"b":2}` {
					t.Fatalf("messages %q", got)
				}
			}},
		{name: "queue output string holding an array is split", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200},"jobs":"[{\"a\":1},\"x-y\"]"}}`,
			check: func(t *testing.T, res *Response) {
				if got := res.Outputs["jobs"]; len(got) != 2 || string(got[0]) != "{\n  \"a\": 1\n}" || string(got[1]) != "x-y" {
					t.Fatalf("messages %q", got)
				}
			}},
		{name: "queue output object is one indented message", status: 200, contentType: "application/json",
			body: `{"Outputs":{"res":{"statusCode":200},"jobs":{"a":1}}}`,
			check: func(t *testing.T, res *Response) {
				if got := res.Outputs["jobs"]; len(got) != 1 || string(got[0]) != "{\n  \"a\": 1\n}" {
					t.Fatalf("messages %q", got)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.answer(func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				} else {
					w.Header()["Content-Type"] = nil // keep net/http from sniffing
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			res, err := sim.HTTP(ctx, "BadHTTP", Request{Method: "POST", Body: []byte("{}")})
			var ie *InvocationError
			switch {
			case tc.violation || tc.failure:
				if !errors.As(err, &ie) || ie.Violation != tc.violation {
					t.Fatalf("want an invocation error (violation=%v), got %v", tc.violation, err)
				}
				if res == nil || res.StatusCode != 500 {
					t.Fatalf("the caller must see a 500: %+v", res)
				}
			case err != nil:
				t.Fatal(err)
			default:
				tc.check(t, res)
			}
		})
	}
}

func TestQueueResponseRules(t *testing.T) {
	sim, f := newToySim(t, true, Config{})
	f.answer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Outputs":{"results":["{}"]}}`)) // "results" is not this function's binding
	})
	_, err := sim.Queue(context.Background(), "BadQueue", []byte(`{}`), 1)
	var ie *InvocationError
	if !errors.As(err, &ie) || !ie.Violation || !strings.Contains(ie.Reason, `"out"`) {
		t.Fatalf("got %v", err)
	}
	f.answer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"Outputs":{"out":null},"Logs":null,"ReturnValue":null}`))
	})
	res, err := sim.Queue(context.Background(), "BadQueue", []byte(`{}`), 1)
	if err != nil || len(res.Outputs["out"]) != 0 {
		t.Fatalf("null output: %v %v", res, err)
	}
}
