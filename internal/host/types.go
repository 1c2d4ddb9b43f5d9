package host

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"time"
)

// HTTPRequest is an HTTP trigger's request, the same for forwarded requests
// and JSON invocations.
type HTTPRequest struct {
	Method  string
	URL     string            // full URL as the host saw it
	Path    string            // e.g. /api/new-hire/tap
	Query   map[string]string // repeats comma-joined as the host does
	Headers http.Header       // canonicalised
	Params  map[string]string // route params
	Body    []byte
}

// IsJSON reports whether the request says its body is application/json
// (parameters such as charset allowed).
func (r *HTTPRequest) IsJSON() bool {
	mt, _, err := mime.ParseMediaType(r.Headers.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// HTTPResponse is what an HTTP function answers.
type HTTPResponse struct {
	StatusCode int
	Headers    map[string]string
	Body       []byte // JSON text
	// Outputs carries extra output bindings (e.g. a queue beside "res").
	// Only the JSON protocol can deliver them: the host never forwards a
	// function that has outputs besides its http one.
	Outputs Outputs
}

// contentTypeJSON is what every answer carries (reference §2.5).
const contentTypeJSON = "application/json"

// JSON marshals v into a response with Content-Type: application/json.
func JSON(status int, v any) *HTTPResponse {
	b, err := json.Marshal(v)
	if err != nil {
		return Error(http.StatusInternalServerError, "internal", "response encoding failed")
	}
	return &HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": contentTypeJSON},
		Body:       b,
	}
}

// errorBody is the shape of every error this package writes.
type errorBody struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

// Error is a JSON error response {"error":code,"detail":detail}.
func Error(status int, code, detail string) *HTTPResponse {
	return JSON(status, errorBody{Error: code, Detail: detail})
}

// QueueMessage is a queue trigger's message and its metadata.
type QueueMessage struct {
	Body                                           []byte // message text, already base64-decoded by the host
	ID, PopReceipt                                 string // quotes stripped
	DequeueCount                                   int64  // 1 on the first delivery
	InsertionTime, ExpirationTime, NextVisibleTime time.Time
}

// Outputs maps an output binding name (case-sensitive, as in function.json)
// to its messages. Strings, []byte and json.RawMessage are sent as given;
// anything else is marshalled to JSON. Each message travels as one JSON
// string inside an array, the only shape the host neither base64-decodes
// nor re-indents (reference §2.5).
type Outputs map[string][]any

// TimerInfo is a timer trigger's payload.
type TimerInfo struct {
	IsPastDue  bool
	Last, Next time.Time // zero when ScheduleStatus is null (useMonitor false)
}

// HTTPFunc serves an HTTP trigger. It must not return nil.
type HTTPFunc func(ctx context.Context, req *HTTPRequest) *HTTPResponse

// QueueFunc serves a queue trigger. An error fails the invocation (non-2xx)
// so the host makes the message visible again and, after maxDequeueCount
// attempts, moves it to <queue>-poison.
type QueueFunc func(ctx context.Context, msg *QueueMessage) (Outputs, error)

// TimerFunc serves a timer trigger. An error is logged by the host as a
// failed run; the next schedule runs regardless.
type TimerFunc func(ctx context.Context, t *TimerInfo) error
