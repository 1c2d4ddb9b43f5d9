package host

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// invocation is the JSON protocol's request envelope (reference §2.3).
type invocation struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

var errNoTrigger = errors.New("trigger binding missing from Data")

// parseInvocation reads the envelope and the trigger binding's value.
func parseInvocation(body []byte, trigger string) (*invocation, json.RawMessage, error) {
	var inv invocation
	if err := json.Unmarshal(body, &inv); err != nil {
		return nil, nil, fmt.Errorf("invocation is not a JSON object: %w", err)
	}
	raw, ok := lookup(inv.Data, trigger)
	if !ok || isNull(raw) {
		return nil, nil, fmt.Errorf("%w: %q", errNoTrigger, trigger)
	}
	return &inv, raw, nil
}

// lookup finds a key exactly, then case-insensitively: binding names come
// from function.json, but Newtonsoft is lax about case and so are we.
func lookup(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// decodeQueueInvocation reads a queue trigger invocation. The host sends the
// message text JSON-encoded twice and the ids quoted (reference §2.4); the
// idealised documented shapes decode too.
func decodeQueueInvocation(body []byte, trigger string) (*QueueMessage, error) {
	inv, raw, err := parseInvocation(body, trigger)
	if err != nil {
		return nil, err
	}
	msg := &QueueMessage{Body: decodeQueueItem(raw)}
	md := inv.Metadata
	msg.ID = metaString(md, "Id")
	msg.PopReceipt = metaString(md, "PopReceipt")
	if msg.DequeueCount, err = metaInt(md, "DequeueCount"); err != nil {
		return nil, err
	}
	msg.InsertionTime = metaTime(md, "InsertionTime")
	msg.ExpirationTime = metaTime(md, "ExpirationTime")
	msg.NextVisibleTime = metaTime(md, "NextVisibleTime")
	return msg, nil
}

// decodeQueueItem handles "\"{...}\"" (double-encoded), "{...}" (single)
// and a raw object or array. A message that is itself a JSON string literal
// cannot be told from a double-encoded one: keep messages JSON objects.
func decodeQueueItem(raw json.RawMessage) []byte {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return bytes.Clone(raw)
	}
	var inner string
	if json.Unmarshal([]byte(s), &inner) == nil {
		return []byte(inner)
	}
	return []byte(s)
}

// flexString reads a JSON string (unquoting a second layer when the host
// serialised it twice), a number or a bool as text.
func flexString(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			var inner string
			if json.Unmarshal([]byte(s), &inner) == nil {
				return inner, true
			}
		}
		return s, true
	}
	t := strings.TrimSpace(string(raw))
	if t == "true" || t == "false" || (t != "" && json.Valid(raw) && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))) {
		return t, true
	}
	return "", false
}

func metaString(md map[string]json.RawMessage, key string) string {
	raw, ok := lookup(md, key)
	if !ok {
		return ""
	}
	s, _ := flexString(raw)
	return s
}

// metaInt reads a number sent as a number or as a string; absent is 0.
func metaInt(md map[string]json.RawMessage, key string) (int64, error) {
	raw, ok := lookup(md, key)
	if !ok || isNull(raw) {
		return 0, nil
	}
	s, ok := flexString(raw)
	if !ok {
		return 0, fmt.Errorf("metadata %s: not a number", key)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("metadata %s: %w", key, err)
	}
	return n, nil
}

// metaTime reads an ISO date; unreadable dates are informational only, so
// they become the zero time rather than fail the message.
func metaTime(md map[string]json.RawMessage, key string) time.Time {
	raw, ok := lookup(md, key)
	if !ok {
		return time.Time{}
	}
	return parseTime(raw)
}

func parseTime(raw json.RawMessage) time.Time {
	s, ok := flexString(raw)
	if !ok || s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// .NET writes DateTime without an offset when its Kind is unspecified.
		t, err = time.Parse("2006-01-02T15:04:05.999999999", s)
	}
	if err != nil {
		return time.Time{}
	}
	return t
}

// timerPayload is the host's serialised TimerInfo (reference §2.4).
type timerPayload struct {
	ScheduleStatus *struct {
		Last json.RawMessage
		Next json.RawMessage
	}
	IsPastDue bool
}

func decodeTimerInvocation(body []byte, trigger string) (*TimerInfo, error) {
	_, raw, err := parseInvocation(body, trigger)
	if err != nil {
		return nil, err
	}
	var p timerPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("timer payload: %w", err)
	}
	info := &TimerInfo{IsPastDue: p.IsPastDue}
	if st := p.ScheduleStatus; st != nil {
		info.Last, info.Next = parseTime(st.Last), parseTime(st.Next)
	}
	return info, nil
}

// httpPayload is the host's request object (Data.req, reference §2.4).
type httpPayload struct {
	URL     json.RawMessage            `json:"Url"`
	Method  json.RawMessage            `json:"Method"`
	Query   map[string]json.RawMessage `json:"Query"`
	Headers map[string]json.RawMessage `json:"Headers"`
	Params  map[string]json.RawMessage `json:"Params"`
	Body    json.RawMessage            `json:"Body"`
}

func decodeHTTPInvocation(body []byte, trigger string) (*HTTPRequest, error) {
	_, raw, err := parseInvocation(body, trigger)
	if err != nil {
		return nil, err
	}
	var p httpPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("http request payload: %w", err)
	}
	req := &HTTPRequest{
		Query:   stringMap(p.Query),
		Headers: headerMap(p.Headers),
		Params:  stringMap(p.Params),
	}
	req.URL, _ = flexString(p.URL)
	req.Method, _ = flexString(p.Method)
	req.Method = strings.ToUpper(req.Method)
	if u, err := url.Parse(req.URL); err == nil {
		req.Path = u.Path
	}
	req.Body = httpBody(p.Body, req.Headers.Get("Content-Type"))
	return req, nil
}

func stringMap(m map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k], _ = flexString(v)
	}
	return out
}

// headerMap reads header values sent as arrays (Data.req) or strings.
func headerMap(m map[string]json.RawMessage) http.Header {
	h := make(http.Header, len(m))
	for k, raw := range m {
		var vals []string
		if json.Unmarshal(raw, &vals) == nil {
			for _, v := range vals {
				h.Add(k, v)
			}
			continue
		}
		if s, ok := flexString(raw); ok {
			h.Add(k, s)
		}
	}
	return h
}

// httpBody reads Body: text (the usual case), absent when the request had
// none, base64 for binary and multipart content, or (older hosts) a JSON
// value, taken as its JSON text.
func httpBody(raw json.RawMessage, contentType string) []byte {
	if isNull(raw) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return bytes.Clone(raw)
	}
	if isBinaryType(contentType) {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b
		}
	}
	return []byte(s)
}

func isBinaryType(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "application/octet-stream") || strings.HasPrefix(ct, "multipart/")
}
