package hostsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
)

// invocation is a JSON-protocol request as the host builds it (§2.3).
type invocation struct {
	Data     map[string]any `json:"Data"`
	Metadata map[string]any `json:"Metadata"`
}

// result is a successful invocation's answer, converted per binding.
type result struct {
	InvocationID string
	Logs         []string
	HTTP         *Response           // the http output, for HTTP functions
	Messages     map[string][][]byte // queue outputs, by binding name
	Written      map[string]int      // messages written per queue
}

// sysMetadata is the "sys" entry of every invocation's Metadata.
func sysMetadata(fn *Function) map[string]any {
	return map[string]any{
		"MethodName": fn.Name,
		"UtcNow":     time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"RandGuid":   uuid.NewString(),
	}
}

// invoke POSTs an invocation to /{Name} and applies the host's response
// rules (§2.5). A failed invocation is an *InvocationError.
func (s *Sim) invoke(ctx context.Context, fn *Function, inv invocation) (*result, error) {
	if s.host.FunctionTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.host.FunctionTimeout)
		defer cancel()
	}
	body, err := json.Marshal(inv)
	if err != nil {
		return nil, fmt.Errorf("hostsim: encode invocation: %w", err)
	}
	id := newInvocationID()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.HandlerURL+"/"+fn.Name, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("hostsim: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	s.addHostHeaders(req.Header, id)
	res, err := s.client.Do(req)
	if err != nil {
		return nil, &InvocationError{Function: fn.Name, Reason: "no answer: " + err.Error()}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, &InvocationError{Function: fn.Name, Status: res.StatusCode, Reason: "reading the answer: " + err.Error()}
	}
	out, err := s.judge(fn, res, raw)
	if err != nil {
		return nil, err
	}
	out.InvocationID = id
	if out.Written, err = s.flush(ctx, fn, out.Messages); err != nil {
		// The host fails an invocation whose outputs cannot be flushed.
		return nil, &InvocationError{Function: fn.Name, Status: res.StatusCode, Reason: err.Error()}
	}
	return out, nil
}

// flush writes queue outputs to Storage with messageEncoding, creating
// queues (names lower-cased) as AddMessageAndCreateIfNotExistsAsync does.
// Without Config.StorageConn outputs are only returned.
func (s *Sim) flush(ctx context.Context, fn *Function, msgs map[string][][]byte) (map[string]int, error) {
	written := map[string]int{}
	if s.storage == nil {
		return written, nil
	}
	for name, list := range msgs {
		target := strings.ToLower(s.resolve(fn.output(name).QueueName))
		for _, msg := range list {
			text := string(msg)
			if s.host.MessageEncoding == "base64" {
				text = encodeBase64(msg)
			}
			if err := queue.EnqueueText(ctx, s.storage, target, text); err != nil {
				return written, fmt.Errorf("flush output %s: %w", name, err)
			}
			written[target]++
		}
	}
	return written, nil
}

// addHostHeaders adds what the host adds to every request it sends.
func (s *Sim) addHostHeaders(h http.Header, invocationID string) {
	h.Set("X-Azure-Functions-InvocationId", invocationID)
	h.Set("X-Azure-Functions-HostVersion", s.cfg.HostVersion)
	h.Set("User-Agent", "Azure-Functions-Host/"+s.cfg.HostVersion)
}

// judge applies the response rules in the host's order.
func (s *Sim) judge(fn *Function, res *http.Response, raw []byte) (*result, error) {
	fail := func(violation bool, format string, args ...any) error {
		return &InvocationError{Function: fn.Name, Status: res.StatusCode, Violation: violation,
			Reason: fmt.Sprintf(format, args...), Body: truncate(raw, 1024)}
	}
	// EnsureSuccessStatusCode runs first: the body of a non-2xx is ignored.
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, fail(false, "non-2xx answer; outputs discarded")
	}
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || (mt != "application/json" && mt != "text/json") {
		return nil, fail(true, "Content-Type %q: no MediaTypeFormatter can read it (want application/json)", res.Header.Get("Content-Type"))
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil, fail(true, "empty answer: the host would wait until functionTimeout")
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, fail(true, "answer is not a JSON object: %v", err)
	}
	out, err := convertAnswer(fn, env)
	if err != nil {
		return nil, fail(true, "%v", err)
	}
	return out, nil
}

// convertAnswer reads Outputs, Logs and ReturnValue (names matched without
// case, as Newtonsoft does) and converts each output by its binding type.
func convertAnswer(fn *Function, env map[string]json.RawMessage) (*result, error) {
	out := &result{Messages: map[string][][]byte{}}
	if raw := field(env, "Logs"); !isNull(raw) {
		if err := json.Unmarshal(raw, &out.Logs); err != nil {
			return nil, fmt.Errorf("Logs: want an array of strings: %v", err)
		}
	}
	outputs := map[string]json.RawMessage{}
	if raw := field(env, "Outputs"); !isNull(raw) {
		if err := json.Unmarshal(raw, &outputs); err != nil {
			return nil, fmt.Errorf("Outputs: want an object: %v", err)
		}
	}
	if rv := field(env, "ReturnValue"); !isNull(rv) && fn.output("$return") != nil {
		outputs["$return"] = rv
	}
	for name, raw := range outputs {
		if err := out.add(fn, name, raw); err != nil {
			return nil, err
		}
	}
	if fn.httpOutput() != nil && out.HTTP == nil {
		return nil, fmt.Errorf("no value for the http output %q", fn.httpOutput().Name)
	}
	return out, nil
}

func (r *result) add(fn *Function, name string, raw json.RawMessage) error {
	b := fn.output(name)
	if b == nil {
		return fmt.Errorf("Outputs key %q matches no output binding (function.json has %s); the host drops it", name, outputNames(fn))
	}
	switch {
	case b.is("http"):
		res, err := convertHTTPOutput(raw)
		if err != nil {
			return fmt.Errorf("output %s: %w", name, err)
		}
		r.HTTP = res
	case b.is("queue"):
		msgs, err := convertQueueOutput(raw, strings.EqualFold(b.DataType, "binary"))
		if err != nil {
			return fmt.Errorf("output %s: %w", name, err)
		}
		r.Messages[name] = append(r.Messages[name], msgs...)
	}
	return nil
}

func outputNames(fn *Function) string {
	var names []string
	for _, b := range fn.Outputs() {
		names = append(names, fmt.Sprintf("%q", b.Name))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// field finds a key ignoring case.
func field(m map[string]json.RawMessage, key string) json.RawMessage {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

func newInvocationID() string { return uuid.NewString() }

// quoted is JsonConvert.SerializeObject of a string: the host's way of
// passing strings in Metadata (and queue data), so they arrive quoted.
func quoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// randomReceipt looks like a pop receipt (base64 of 16 bytes).
func randomReceipt() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return encodeBase64(b)
}
