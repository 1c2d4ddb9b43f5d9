package host

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// invokeResponse is the JSON protocol's answer (reference §2.5).
type invokeResponse struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// httpOutput is the value of an http output binding. statusCode is a
// number and header values strings, both as the host's HttpBinding reads.
type httpOutput struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// envelopeLimit bounds invocation bodies of queue and timer functions.
// Queue messages are at most 64 KiB; this leaves room for metadata.
const envelopeLimit int64 = 4 << 20

// httpEnvelopeLimit bounds an HTTP function's invocation body: the request
// body travels JSON-escaped (up to a few times longer) beside the headers.
func httpEnvelopeLimit(fn *Function) int64 { return 4*fn.maxBody() + 1<<20 }

// serveInvocation serves POST /{Name}.
func (s *Server) serveInvocation(w http.ResponseWriter, r *http.Request, fn *Function) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return writeResponse(w, Error(http.StatusMethodNotAllowed, "method_not_allowed", "invocations are POST"))
	}
	switch {
	case fn.HTTP != nil:
		return s.invokeHTTP(w, r, fn)
	case fn.Queue != nil:
		return s.invokeQueue(w, r, fn)
	default:
		return s.invokeTimer(w, r, fn)
	}
}

// readEnvelope reads the invocation body up to limit; tooBig reports a body
// over it, before anything is decoded.
func readEnvelope(r *http.Request, limit int64) (body []byte, tooBig bool, err error) {
	if r.ContentLength > limit {
		return nil, true, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("read invocation: %w", err)
	}
	return body, int64(len(body)) > limit, nil
}

func badInvocation(w http.ResponseWriter, err error) int {
	return writeResponse(w, Error(http.StatusBadRequest, "bad_invocation", err.Error()))
}

// invokeHTTP serves an HTTP function over the JSON protocol. Whatever the
// function answers (4xx included) is a successful invocation carrying that
// answer in the http output; the caller sees the function's status.
func (s *Server) invokeHTTP(w http.ResponseWriter, r *http.Request, fn *Function) int {
	body, tooBig, err := readEnvelope(r, httpEnvelopeLimit(fn))
	if err != nil {
		return badInvocation(w, err)
	}
	if tooBig {
		return s.writeInvocation(w, r, fn, tooLarge(fn.maxBody()))
	}
	req, err := decodeHTTPInvocation(body, fn.Trigger)
	if err != nil {
		return badInvocation(w, err)
	}
	var res *HTTPResponse
	switch {
	case int64(len(req.Body)) > fn.maxBody():
		res = tooLarge(fn.maxBody())
	case !fn.allows(req.Method):
		res = Error(http.StatusMethodNotAllowed, "method_not_allowed", req.Method+" is not allowed here")
	default:
		res = s.callHTTP(r, fn, req)
	}
	return s.writeInvocation(w, r, fn, res)
}

// writeInvocation wraps an HTTP answer and its extra outputs.
func (s *Server) writeInvocation(w http.ResponseWriter, r *http.Request, fn *Function, res *HTTPResponse) int {
	outs, err := encodeOutputs(fn, res.Outputs)
	if err != nil {
		return s.failed(w, r, fn, err)
	}
	outs[fn.httpOut()] = toHTTPOutput(res)
	return writeJSON(w, http.StatusOK, invokeResponse{Outputs: outs, Logs: []string{}})
}

func toHTTPOutput(res *HTTPResponse) httpOutput {
	out := httpOutput{StatusCode: res.StatusCode, Headers: map[string]string{}, Body: string(res.Body)}
	if out.StatusCode == 0 {
		out.StatusCode = http.StatusOK
	}
	for k, v := range res.Headers {
		out.Headers[http.CanonicalHeaderKey(k)] = v
	}
	if !bodyAllowed(out.StatusCode) {
		out.Body = ""
		return out
	}
	if out.Body == "" {
		out.Body = string(emptyJSON)
	}
	if out.Headers["Content-Type"] == "" {
		out.Headers["Content-Type"] = contentTypeJSON
	}
	return out
}

func (s *Server) invokeQueue(w http.ResponseWriter, r *http.Request, fn *Function) int {
	body, ok, status := readTriggerEnvelope(w, r)
	if !ok {
		return status
	}
	msg, err := decodeQueueInvocation(body, fn.Trigger)
	if err != nil {
		return badInvocation(w, err)
	}
	outs, err := fn.Queue(r.Context(), msg)
	if err != nil {
		return s.failed(w, r, fn, err, slog.Int64("dequeue_count", msg.DequeueCount), slog.String("message_id", msg.ID))
	}
	enc, err := encodeOutputs(fn, outs)
	if err != nil {
		return s.failed(w, r, fn, err)
	}
	return writeJSON(w, http.StatusOK, invokeResponse{Outputs: enc, Logs: []string{}})
}

func (s *Server) invokeTimer(w http.ResponseWriter, r *http.Request, fn *Function) int {
	body, ok, status := readTriggerEnvelope(w, r)
	if !ok {
		return status
	}
	info, err := decodeTimerInvocation(body, fn.Trigger)
	if err != nil {
		return badInvocation(w, err)
	}
	if err := fn.Timer(r.Context(), info); err != nil {
		return s.failed(w, r, fn, err, slog.Bool("past_due", info.IsPastDue))
	}
	return writeJSON(w, http.StatusOK, invokeResponse{Outputs: map[string]any{}, Logs: []string{}})
}

// readTriggerEnvelope reads a queue or timer invocation. When it cannot
// (ok false), it has answered 400 or 413 and returns the status written.
func readTriggerEnvelope(w http.ResponseWriter, r *http.Request) (body []byte, ok bool, status int) {
	body, tooBig, err := readEnvelope(r, envelopeLimit)
	switch {
	case err != nil:
		return nil, false, badInvocation(w, err)
	case tooBig:
		return nil, false, writeResponse(w, tooLarge(envelopeLimit))
	}
	return body, true, 0
}

// failed answers 500 so the host counts a failed invocation (and retries a
// queue message); the host ignores the body, so the reason is logged here.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, fn *Function, err error, attrs ...slog.Attr) int {
	attrs = append(attrs, slog.String("function", fn.Name), slog.String("err", err.Error()),
		slog.String("invocation_id", InvocationID(r.Context())))
	s.log.LogAttrs(r.Context(), slog.LevelError, "function failed", attrs...)
	return writeResponse(w, Error(http.StatusInternalServerError, "function_failed", err.Error()))
}

// encodeOutputs turns Outputs into the host's safe shape: per binding an
// array of JSON strings (never a bare string, which the host would try to
// base64-decode).
func encodeOutputs(fn *Function, outs Outputs) (map[string]any, error) {
	enc := make(map[string]any, len(outs)+1)
	for name, msgs := range outs {
		if !fn.declares(name) || (fn.HTTP != nil && name == fn.httpOut()) {
			return nil, fmt.Errorf("output binding %q is not declared for %s", name, fn.Name)
		}
		texts := make([]string, 0, len(msgs))
		for i, m := range msgs {
			t, err := messageText(m)
			if err != nil {
				return nil, fmt.Errorf("output %s[%d]: %w", name, i, err)
			}
			texts = append(texts, t)
		}
		enc[name] = texts
	}
	return enc, nil
}

func messageText(m any) (string, error) {
	switch v := m.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case json.RawMessage:
		return string(v), nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("marshal message: %w", err)
	}
	return string(b), nil
}
