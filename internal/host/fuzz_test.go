package host

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// Seeds beyond the committed corpus in testdata/fuzz.
func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

// FuzzDecodeQueueMessage: any envelope decodes or errors without panic,
// and a decoded message survives a second trip through the host's shape.
func FuzzDecodeQueueMessage(f *testing.F) {
	addSeeds(f, fixtureQueueHost, fixtureQueueDocs, fixtureQueueOldHost, fixtureQueueObject,
		`{"Data":{"job":"\"\\\"x\\\"\""}}`, `{"Data":{"job":1e999}}`, `{"Metadata":{"DequeueCount":"-1"}}`)
	f.Fuzz(func(t *testing.T, envelope []byte) {
		msg, err := decodeQueueInvocation(envelope, "job")
		if err != nil {
			return
		}
		if !utf8.Valid(msg.Body) || isJSONString(msg.Body) {
			return // JSON cannot carry these unchanged; see decodeQueueItem
		}
		again, err := decodeQueueInvocation(hostQueueEnvelope(t, msg), "job")
		if err != nil {
			t.Fatalf("re-encoded message fails: %v", err)
		}
		if string(again.Body) != string(msg.Body) || again.ID != msg.ID || again.DequeueCount != msg.DequeueCount {
			t.Fatalf("round trip: %q/%q/%d -> %q/%q/%d", msg.Body, msg.ID, msg.DequeueCount, again.Body, again.ID, again.DequeueCount)
		}
	})
}

func isJSONString(b []byte) bool {
	var s string
	return json.Unmarshal(b, &s) == nil
}

// hostQueueEnvelope serialises a message the way the host does.
func hostQueueEnvelope(t *testing.T, m *QueueMessage) []byte {
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	env := map[string]any{
		"Data": map[string]string{"job": quote(string(m.Body))},
		"Metadata": map[string]any{
			"Id": quote(m.ID), "DequeueCount": json.Number(itoa(m.DequeueCount)),
		},
	}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// FuzzDecodeHTTPInvocation: any envelope for an HTTP function gets a JSON
// answer the host accepts (200 carrying res, 400 or 413), never a panic.
func FuzzDecodeHTTPInvocation(f *testing.F) {
	addSeeds(f, fixtureHTTPPost, fixtureHTTPGetParams, fixtureHTTPBinary,
		`{"Data":{"req":{"Headers":{"A":[1]},"Query":{"q":null},"Body":[1,2]}}}`,
		`{"Data":{"req":{"Url":"::","Method":7}}}`)
	s, _ := newTestServer(f)
	s.Ready(toyFunctions())
	f.Fuzz(func(t *testing.T, envelope []byte) {
		req, err := decodeHTTPInvocation(envelope, "req")
		if err == nil {
			for k := range req.Headers {
				if k != http.CanonicalHeaderKey(k) {
					t.Fatalf("header %q not canonical", k)
				}
			}
			if req.Method != strings.ToUpper(req.Method) {
				t.Fatalf("method %q", req.Method)
			}
		}
		r := do(t, s, "POST", "/Echo", string(envelope), nil)
		mustJSONAnswer(t, r)
		switch {
		case err != nil && r.status != http.StatusBadRequest:
			t.Fatalf("decode error %v but status %d", err, r.status)
		case err == nil && r.status != http.StatusOK:
			t.Fatalf("decoded but status %d: %s", r.status, r.body)
		}
	})
}
