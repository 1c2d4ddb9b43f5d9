package callout

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
)

// MaxBodySize bounds the callout body. Real callouts are a few KiB; the
// bound keeps a hostile or broken caller from making us decode megabytes.
const MaxBodySize = 256 << 10

// Parse decodes and checks one callout body. It accepts exactly one JSON
// object (no array, no trailing data) of at most MaxBodySize bytes. A
// connection test parses with ConnectionTest set and nothing else checked.
// Errors are *ParseError.
func Parse(body []byte) (Callout, error) {
	w, err := decode(body)
	if err != nil {
		return Callout{}, err
	}
	if w.connectionTest() {
		return Callout{Stage: StageConnectionTest, ConnectionTest: true}, nil
	}
	if w.legacy() {
		return Callout{}, fail(fieldBody, "pre-2023 flat callout shape (Event/UserId fields, no "+
			fieldRequestID+"); recreate the custom extension so Entra sends the current shape")
	}
	c := w.callout()
	if err := c.check(); err != nil {
		return Callout{}, err
	}
	return c, nil
}

func decode(body []byte) (*wire, error) {
	if len(body) > MaxBodySize {
		return nil, fail(fieldBody, "larger than 256 KiB")
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fail(fieldBody, "not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var w wire
	if err := dec.Decode(&w); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(fieldBody, "trailing data after the JSON object")
	}
	return &w, nil
}

// decodeError turns an encoding/json error into a ParseError without
// quoting the input: a SyntaxError's text can contain input bytes.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// Field is the path of tag names from wire, never an input key.
		return fail(typeErr.Field, "must be a JSON "+jsonKind(typeErr.Type))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fail(fieldBody, "truncated JSON")
	default:
		return fail(fieldBody, "invalid JSON")
	}
}

func jsonKind(t reflect.Type) string {
	if t != nil && t.Kind() == reflect.String {
		return "string"
	}
	return "object"
}
