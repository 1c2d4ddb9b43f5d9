package host

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecodeQueueInvocation(t *testing.T) {
	const want = `{"jobId":"42","upn":"a@b.c"}`
	const id, pop = "4e773554-f6b7-4ea2-b07d-4c5fd5aba741", "AgAAAAMAAAAAAAAAAgtnj8x+1QE="
	tests := []struct {
		name    string
		body    string
		wantID  string
		wantPop string
		count   int64
		insert  string
	}{
		{"host double-encoded", fixtureQueueHost, id, pop, 1, "2026-11-22T10:00:00Z"},
		{"docs single-encoded", fixtureQueueDocs, id, pop, 1, "2026-11-22T10:00:00Z"},
		{"older host quoted dates", fixtureQueueOldHost, id, pop, 3, "2026-11-22T10:00:00Z"},
		{"raw object", fixtureQueueObject, id, "", 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := decodeQueueInvocation([]byte(tc.body), "job")
			if err != nil {
				t.Fatal(err)
			}
			if string(msg.Body) != want {
				t.Errorf("body %s, want %s", msg.Body, want)
			}
			if msg.ID != tc.wantID || msg.PopReceipt != tc.wantPop || msg.DequeueCount != tc.count {
				t.Errorf("got id %q pop %q count %d", msg.ID, msg.PopReceipt, msg.DequeueCount)
			}
			if tc.insert != "" && !msg.InsertionTime.Equal(mustTime(t, tc.insert)) {
				t.Errorf("insertion %v", msg.InsertionTime)
			}
		})
	}
}

func TestDecodeQueueInvocationErrors(t *testing.T) {
	tests := map[string]string{
		"not json":           `{"Data":`,
		"missing trigger":    `{"Data":{"other":"x"},"Metadata":{}}`,
		"null trigger":       `{"Data":{"job":null},"Metadata":{}}`,
		"bad dequeue count":  `{"Data":{"job":"\"{}\""},"Metadata":{"DequeueCount":"one"}}`,
		"object dequeue":     `{"Data":{"job":"\"{}\""},"Metadata":{"DequeueCount":{}}}`,
		"array as envelope":  `[1,2]`,
		"string as envelope": `"x"`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeQueueInvocation([]byte(body), "job"); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestDecodeQueueItemShapes(t *testing.T) {
	tests := map[string]struct{ raw, want string }{
		"double-encoded object": {`"\"{\\\"a\\\":1}\""`, `{"a":1}`},
		"single-encoded object": {`"{\"a\":1}"`, `{"a":1}`},
		"raw object":            {`{"a":1}`, `{"a":1}`},
		"raw array":             {`[1,2]`, `[1,2]`},
		"plain text":            {`"hello"`, `hello`},
		"double-encoded text":   {`"\"hello\""`, `hello`},
		"empty text":            {`""`, ``},
		"number":                {`42`, `42`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := decodeQueueItem([]byte(tc.raw)); string(got) != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeQueueInvocationCaseInsensitiveBinding(t *testing.T) {
	msg, err := decodeQueueInvocation([]byte(`{"data":{"Job":"\"{}\""},"metadata":{"dequeueCount":4}}`), "job")
	if err != nil {
		t.Fatal(err)
	}
	if string(msg.Body) != "{}" || msg.DequeueCount != 4 {
		t.Fatalf("got %+v", msg)
	}
}

func TestDecodeTimerInvocation(t *testing.T) {
	info, err := decodeTimerInvocation([]byte(fixtureTimerMonitor), "timer")
	if err != nil {
		t.Fatal(err)
	}
	if info.IsPastDue || !info.Last.Equal(mustTime(t, "2026-11-21T03:00:00.0005Z")) || !info.Next.Equal(mustTime(t, "2026-11-22T03:00:00Z")) {
		t.Fatalf("got %+v", info)
	}
	info, err = decodeTimerInvocation([]byte(fixtureTimerNoMonitor), "timer")
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsPastDue || !info.Last.IsZero() || !info.Next.IsZero() {
		t.Fatalf("got %+v", info)
	}
	if _, err := decodeTimerInvocation([]byte(`{"Data":{"timer":"x"}}`), "timer"); err == nil {
		t.Fatal("want an error for a string timer payload")
	}
	if _, err := decodeTimerInvocation([]byte(`{"Data":{}}`), "timer"); !errors.Is(err, errNoTrigger) {
		t.Fatalf("got %v, want errNoTrigger", err)
	}
}

func TestDecodeHTTPInvocation(t *testing.T) {
	req, err := decodeHTTPInvocation([]byte(fixtureHTTPPost), "req")
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.Path != "/api/phone-sync" || req.URL != "http://localhost:7071/api/phone-sync?tenant=x&tag=a,b" {
		t.Errorf("method/path/url: %q %q %q", req.Method, req.Path, req.URL)
	}
	if req.Query["tenant"] != "x" || req.Query["tag"] != "a,b" {
		t.Errorf("query %v", req.Query)
	}
	if req.Headers.Get("content-type") != "application/json" || req.Headers.Get("X-Signature") != "sig" {
		t.Errorf("headers %v", req.Headers)
	}
	if got := req.Headers.Values("Accept"); len(got) != 2 {
		t.Errorf("Accept values %v", got)
	}
	if string(req.Body) != `{"deviceId":"123"}` {
		t.Errorf("body %s", req.Body)
	}
}

func TestDecodeHTTPInvocationShapes(t *testing.T) {
	req, err := decodeHTTPInvocation([]byte(fixtureHTTPGetParams), "req")
	if err != nil {
		t.Fatal(err)
	}
	if req.Body != nil || req.Params["id"] != "u 1" || req.Path != "/api/users/u 1/tap" || req.Method != "GET" {
		t.Errorf("get: %+v", req)
	}
	req, err = decodeHTTPInvocation([]byte(fixtureHTTPBinary), "req")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(req.Body, []byte{0, 1, 2, 3}) {
		t.Errorf("binary body %v", req.Body)
	}
	// Older hosts and hand-written payloads: string headers, object body.
	req, err = decodeHTTPInvocation([]byte(`{"Data":{"req":{"Method":"post","Headers":{"x-a":"1"},"Body":{"k":true}}}}`), "req")
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.Headers.Get("X-A") != "1" || string(req.Body) != `{"k":true}` {
		t.Errorf("lenient: %+v", req)
	}
	if _, err := decodeHTTPInvocation([]byte(`{"Data":{"req":[1]}}`), "req"); err == nil {
		t.Error("want an error for an array request")
	}
}
