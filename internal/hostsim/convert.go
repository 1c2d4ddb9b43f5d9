package hostsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// convertQueueOutput turns a queue output value into messages as the host's
// IAsyncCollector<byte[]> binding does (§2.5):
//   - a string first gets the base64 attempt (valid base64 becomes those
//     bytes, one message); else a JSON array text is split per element, a
//     JSON object text is one re-indented message, other text one message;
//   - an array is one message per element: strings as given, other values
//     as indented JSON (the safe form);
//   - an object or scalar is one indented-JSON message.
func convertQueueOutput(raw json.RawMessage, binary bool) ([][]byte, error) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if !binary {
			if b, ok := dotnetBase64(s); ok {
				return [][]byte{b}, nil
			}
		}
		return splitText(s), nil
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil {
		return elements(arr), nil
	}
	return [][]byte{indented(raw)}, nil
}

// splitText handles a string output that was not base64.
func splitText(s string) [][]byte {
	t := strings.TrimSpace(s)
	var arr []json.RawMessage
	if strings.HasPrefix(t, "[") && json.Unmarshal([]byte(t), &arr) == nil {
		return elements(arr)
	}
	if strings.HasPrefix(t, "{") && json.Valid([]byte(t)) {
		return [][]byte{indented([]byte(t))}
	}
	return [][]byte{[]byte(s)}
}

// elements is JToken.ToString() per array element: a string's own text,
// anything else indented JSON.
func elements(arr []json.RawMessage) [][]byte {
	msgs := make([][]byte, 0, len(arr))
	for _, el := range arr {
		var s string
		if json.Unmarshal(el, &s) == nil {
			msgs = append(msgs, []byte(s))
			continue
		}
		msgs = append(msgs, indented(el))
	}
	return msgs
}

// indented approximates Newtonsoft's Formatting.Indented (two spaces).
func indented(raw []byte) []byte {
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return raw
	}
	return buf.Bytes()
}

// dotnetBase64 mimics Convert.FromBase64String: white space ignored,
// padding required. "done" and "abcd1234" decode; that is the trap.
func dotnetBase64(s string) ([]byte, bool) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	if clean == "" {
		return nil, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(clean)
	if err != nil {
		// .NET tolerates non-zero trailing bits that Strict rejects.
		if b, err = base64.StdEncoding.DecodeString(clean); err != nil {
			return nil, false
		}
	}
	return b, true
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// convertHTTPOutput reads an http output binding value the way HttpBinding
// does: statusCode as number or numeric string, string header values, a
// string body as is and any other body as indented JSON (text/plain unless
// a Content-Type is set). A bare string is a 200 with that body.
func convertHTTPOutput(raw json.RawMessage) (*Response, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return &Response{StatusCode: http.StatusOK, Headers: http.Header{}, Body: []byte(s)}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("want an object with statusCode, headers, body: %v", err)
	}
	res := &Response{Headers: http.Header{}}
	var err error
	if res.StatusCode, err = statusCode(field(obj, "statusCode")); err != nil {
		return nil, err
	}
	if err := readHeaders(field(obj, "headers"), res.Headers); err != nil {
		return nil, err
	}
	res.Body = httpBody(field(obj, "body"), res.Headers)
	return res, nil
}

func statusCode(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return http.StatusOK, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("statusCode %s is neither a number nor a numeric string", raw)
}

var errHeaderValue = errors.New("header values must be strings (the host would send the JSON text)")

func readHeaders(raw json.RawMessage, h http.Header) error {
	if isNull(raw) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("headers: want an object: %v", err)
	}
	for k, v := range m {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("header %s = %s: %w", k, v, errHeaderValue)
		}
		h.Set(k, s)
	}
	return nil
}

func httpBody(raw json.RawMessage, h http.Header) []byte {
	if isNull(raw) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	return indented(raw)
}
