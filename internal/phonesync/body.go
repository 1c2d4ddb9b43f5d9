package phonesync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Entry is one user of a request.
type Entry struct {
	Index int    // position in the array
	User  string // user principal name or object id
	// Mobile overrides the directory attribute when not "".
	Mobile string
	// OverwriteNull deletes the mobile phone when the source is empty.
	OverwriteNull bool
}

// BodyError is a request the caller must fix: 400, or 413 over the limit.
type BodyError struct {
	Status int
	Code   string
	Detail string
	Limit  int // the batch limit, for 413
}

func (e *BodyError) Error() string { return e.Detail }

// maxBodyBytes bounds the body independently of the user count: a
// thousand entries take about 100 KB.
const maxBodyBytes = 4 << 20

const bodyShape = `send a JSON array of {"UserPrincipalName": "...", "Mobile": "...", "OverwriteNull": "1"}`

// ParseBody reads the request body as existing callers of the phone runbook
// send it: a JSON array of objects (or one bare object, which is what
// PowerShell's ConvertTo-Json makes of a one-element array). Field names
// match case-insensitively; unknown fields are refused so a misspelt
// "Mobile" cannot silently fall back to the directory value. The first
// problem is returned, with its JSON path.
func ParseBody(body []byte, limit int) ([]Entry, *BodyError) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // Windows PowerShell 5.1 may send a BOM
	if len(body) > maxBodyBytes {
		return nil, &BodyError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Detail: fmt.Sprintf("the body is over %d bytes", maxBodyBytes), Limit: limit}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, invalid("empty body; " + bodyShape)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed(err)
	}
	var entries []Entry
	var bad *BodyError
	switch tok {
	case json.Delim('['):
		entries, bad = parseArray(dec, limit)
	case json.Delim('{'):
		var e Entry
		e, bad = parseObjectBody(dec, "$")
		entries = []Entry{e}
	default:
		return nil, invalid("the body must be a JSON array; " + bodyShape)
	}
	if bad != nil {
		return nil, bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("malformed JSON: more than one value in the body")
	}
	return entries, nil
}

func parseArray(dec *json.Decoder, limit int) ([]Entry, *BodyError) {
	var out []Entry
	for i := 0; dec.More(); i++ {
		if i >= limit {
			return nil, &BodyError{Status: http.StatusRequestEntityTooLarge, Code: "batch_too_large",
				Detail: fmt.Sprintf("at most %d users per call; split the batch", limit), Limit: limit}
		}
		path := "$[" + strconv.Itoa(i) + "]"
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		if tok != json.Delim('{') {
			return nil, invalid(path + ` must be an object like {"UserPrincipalName": "..."}`)
		}
		e, bad := parseObjectBody(dec, path)
		if bad != nil {
			return nil, bad
		}
		e.Index = i
		out = append(out, e)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, malformed(err)
	}
	return out, nil
}

// parseObjectBody reads the members of an object whose { was consumed, in
// document order, so "the first problem" is well defined.
func parseObjectBody(dec *json.Decoder, path string) (Entry, *BodyError) {
	var e Entry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, malformed(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e, malformed(err)
		}
		field, ok := canonicalField(key)
		if !ok {
			return e, invalid(fmt.Sprintf("%s: unknown field %q; expected UserPrincipalName (or ObjectId), Mobile, OverwriteNull", path, key))
		}
		if seen[field] {
			return e, invalid(fmt.Sprintf("%s: field %s given twice", path, field))
		}
		seen[field] = true
		if err := setField(&e, field, raw); err != nil {
			return e, invalid(path + "." + field + ": " + err.Error())
		}
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return e, malformed(err)
	}
	return e, checkEntry(e, path, seen)
}

var fields = []string{"UserPrincipalName", "ObjectId", "Mobile", "OverwriteNull"}

func canonicalField(key string) (string, bool) {
	for _, f := range fields {
		if strings.EqualFold(f, key) {
			return f, true
		}
	}
	return "", false
}

func setField(e *Entry, field string, raw json.RawMessage) error {
	switch field {
	case "UserPrincipalName", "ObjectId":
		s, err := jsonString(raw, false)
		e.User = strings.TrimSpace(s)
		return err
	case "Mobile":
		s, err := jsonString(raw, true)
		e.Mobile = strings.TrimSpace(s)
		return err
	default:
		b, err := flexibleBool(raw)
		e.OverwriteNull = b
		return err
	}
}

// jsonString decodes a string; null is "" where allowed.
func jsonString(raw json.RawMessage, nullable bool) (string, error) {
	if nullable && string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("must be a string")
	}
	return s, nil
}

// flexibleBool accepts what the runbook's callers send: "1"/"0", and
// true/false as JSON or text. null and "" mean the default (false).
func flexibleBool(raw json.RawMessage) (bool, error) {
	text := string(raw)
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal(raw, &text); err != nil {
			return false, errors.New(`must be "1", "0", true or false`)
		}
	}
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "1", "true":
		return true, nil
	case "0", "false", "null", "":
		return false, nil
	}
	return false, errors.New(`must be "1", "0", true or false`)
}

func checkEntry(e Entry, path string, seen map[string]bool) *BodyError {
	switch {
	case seen["UserPrincipalName"] && seen["ObjectId"]:
		return invalid(path + ": give UserPrincipalName or ObjectId, not both")
	case seen["ObjectId"] && !directory.IsObjectID(e.User):
		return invalid(path + ".ObjectId: must be an object id (GUID)")
	case e.User == "":
		return invalid(path + ": UserPrincipalName (a user principal name or object id) is required")
	}
	if err := validUserRef(e.User); err != nil {
		return invalid(path + ".UserPrincipalName: " + err.Error())
	}
	return nil
}

func invalid(detail string) *BodyError {
	return &BodyError{Status: http.StatusBadRequest, Code: "invalid_body", Detail: detail}
}

func malformed(err error) *BodyError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid(fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalid("malformed JSON: the body ends too early")
	}
	return invalid("malformed JSON: " + err.Error())
}
