// Package fido2msg defines the three queue messages of bulk FIDO2
// enrollment, shared by the function app and the operator's desk tool
// (tools/keywriter):
//
//	fido2-jobs     Job      an admin (or POST /api/fido2/jobs) asks for keys for a group or users
//	fido2-pending  Pending  one user's creation options, waiting at the desk for a key
//	fido2-results  Result   the attestation the desk made, to be registered in Entra
//
// Every message is a JSON object with "type" and "version"; on the queue
// it is base64 of that JSON, as the Functions queue trigger decodes it by
// default. A reader refuses a type or version it does not know with an
// error that says what to upgrade, instead of guessing at the fields.
package fido2msg

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Version is the message version this build writes and reads.
const Version = 1

// Message types.
const (
	TypeJob     = "fido2.job"
	TypePending = "fido2.pending"
	TypeResult  = "fido2.result"
)

// Queue names.
const (
	QueueJobs    = "fido2-jobs"
	QueuePending = "fido2-pending"
	QueueResults = "fido2-results"
)

// Header is the part every message starts with.
type Header struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
}

// ErrVersion is returned (wrapped) for a message of another version.
var ErrVersion = errors.New("unsupported message version")

// ErrType is returned (wrapped) for a message of another type.
var ErrType = errors.New("unexpected message type")

// maxMessage bounds what a reader accepts: an Azure queue message is at
// most 64 KiB of base64 text.
const maxMessage = 64 << 10

// Encode renders m (a Job, Pending or Result) as queue message text:
// base64 of its JSON. It fails for a message over the queue's 64 KiB.
func Encode(m any) (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("fido2msg: encode: %w", err)
	}
	text := base64.StdEncoding.EncodeToString(b)
	if len(text) > maxMessage {
		return "", fmt.Errorf("fido2msg: encoded message is %d bytes, over the queue's %d", len(text), maxMessage)
	}
	return text, nil
}

// DecodeText reads queue message text: base64 of JSON, or the JSON itself
// (the Functions host hands a trigger the decoded text; an admin may also
// put plain JSON on a queue with messageEncoding "none" tools). The header
// must carry want and Version; then the body is decoded into v strictly
// (unknown fields are an error: they mean a newer writer).
func DecodeText(text string, want string, v any) error {
	raw, err := jsonOf(text)
	if err != nil {
		return err
	}
	return DecodeJSON(raw, want, v)
}

// DecodeJSON is DecodeText for JSON already decoded from base64.
func DecodeJSON(raw []byte, want string, v any) error {
	if len(raw) > maxMessage {
		return fmt.Errorf("fido2msg: message of %d bytes is over %d", len(raw), maxMessage)
	}
	var h Header
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("fido2msg: not a JSON object: %w", err)
	}
	if h.Type != want {
		return fmt.Errorf("fido2msg: %w: got %q, want %q", ErrType, h.Type, want)
	}
	if h.Version != Version {
		return fmt.Errorf("fido2msg: %w %d of %s: this build reads version %d; upgrade the reader or re-send the message in version %d",
			ErrVersion, h.Version, h.Type, Version, Version)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("fido2msg: %s: %w", want, err)
	}
	return nil
}

// jsonOf returns the JSON of queue text that is base64 of JSON or JSON.
func jsonOf(text string) ([]byte, error) {
	t := strings.TrimSpace(text)
	if len(t) > maxMessage*4/3+4 {
		return nil, fmt.Errorf("fido2msg: message of %d bytes is too long", len(t))
	}
	if strings.HasPrefix(t, "{") {
		return []byte(t), nil
	}
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return nil, errors.New("fido2msg: message is neither JSON nor base64 of JSON")
	}
	return b, nil
}
