package newhire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// Request is the body callers send: {"user": "<object id or UPN>"}.
type Request struct {
	User string `json:"user"`
}

// parseRequest checks the content type and body, and returns the user
// reference or the 4xx answer for the caller's mistake.
func parseRequest(req *host.HTTPRequest) (string, *result) {
	if req.Method != http.MethodPost {
		r := refuse(http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return "", &r
	}
	if !req.IsJSON() {
		r := refuse(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return "", &r
	}
	body, err := decodeRequest(req.Body)
	if err != nil {
		r := refuse(http.StatusBadRequest, "invalid_body", err.Error())
		return "", &r
	}
	if err := validUserRef(body.User); err != nil {
		r := refuse(http.StatusBadRequest, "invalid_user", err.Error())
		return "", &r
	}
	return body.User, nil
}

// decodeRequest is strict: one JSON object, known fields only, so a
// misspelt field is an error instead of a silently ignored one.
func decodeRequest(b []byte) (Request, error) {
	var r Request
	if len(bytes.TrimSpace(b)) == 0 {
		return r, errors.New(`empty body; send {"user": "<object id or user principal name>"}`)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, errors.New("malformed JSON: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return r, errors.New("malformed JSON: more than one value in the body")
	}
	r.User = strings.TrimSpace(r.User)
	return r, nil
}

// validUserRef accepts an object id or something shaped like a UPN; the
// directory decides whether it exists.
func validUserRef(s string) error {
	switch {
	case s == "":
		return errors.New(`"user" is required: an object id or a user principal name`)
	case directory.IsObjectID(s):
		return nil
	case len(s) > 113 || strings.ContainsAny(s, "/\\?#%&*:<>| \t\r\n\"'"):
		return errors.New(`"user" is not a valid object id or user principal name`)
	case strings.Count(s, "@") != 1 || strings.HasPrefix(s, "@") || strings.HasSuffix(s, "@"):
		return errors.New(`"user" must be an object id (GUID) or a user principal name (name@domain)`)
	}
	return nil
}
