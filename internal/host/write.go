package host

import (
	"encoding/json"
	"net/http"
)

// emptyJSON is the smallest body the host accepts: it fails an empty one.
var emptyJSON = []byte("{}")

// writeResponse writes an HTTPResponse as is, defaulting Content-Type to JSON
// and an empty body to "{}" (except where HTTP forbids a body). It returns
// the status written.
func writeResponse(w http.ResponseWriter, res *HTTPResponse) int {
	status := res.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	body := res.Body
	if !bodyAllowed(status) {
		w.WriteHeader(status)
		return status
	}
	if len(body) == 0 {
		body = emptyJSON
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentTypeJSON)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client went away; nothing left to tell it
	return status
}

// writeJSON marshals v; it is used for the server's own small answers.
func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return writeResponse(w, Error(http.StatusInternalServerError, "internal", "response encoding failed"))
	}
	return writeResponse(w, &HTTPResponse{StatusCode: status, Body: b})
}

// bodyAllowed reports whether HTTP permits a body with status.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
