package host

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// serveForwarded serves an HTTP request the host forwarded as is.
func (s *Server) serveForwarded(w http.ResponseWriter, r *http.Request, rest string) int {
	fn, params, found := s.tab.lookupRoute(rest, r.Method)
	switch {
	case fn == nil && found:
		return writeResponse(w, Error(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here"))
	case fn == nil:
		return writeResponse(w, Error(http.StatusNotFound, "not_found", "no function at this path"))
	}
	body, res := readLimited(r, fn.maxBody())
	if res != nil {
		return writeResponse(w, res)
	}
	req := &HTTPRequest{
		Method:  r.Method,
		URL:     requestURL(r),
		Path:    r.URL.Path,
		Query:   joinQuery(r.URL.Query()),
		Headers: r.Header.Clone(),
		Params:  params,
		Body:    body,
	}
	out := s.callHTTP(r, fn, req)
	if len(out.Outputs) > 0 {
		// The host forwards only functions without extra outputs, so
		// these would vanish; say so loudly rather than lose them quietly.
		s.log.ErrorContext(r.Context(), "outputs dropped: forwarded functions cannot have output bindings", "function", fn.Name)
	}
	return writeResponse(w, out)
}

// callHTTP runs an HTTP function, turning a nil answer (a bug) into a 500.
func (s *Server) callHTTP(r *http.Request, fn *Function, req *HTTPRequest) *HTTPResponse {
	out := fn.HTTP(r.Context(), req)
	if out == nil {
		s.log.ErrorContext(r.Context(), "function returned no response", "function", fn.Name)
		return Error(http.StatusInternalServerError, "internal", "the function returned no response")
	}
	return out
}

// readLimited reads at most limit body bytes; over it, or on a read error,
// it returns the response to send instead of calling the function.
func readLimited(r *http.Request, limit int64) ([]byte, *HTTPResponse) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge(limit)
	case err != nil:
		return nil, Error(http.StatusBadRequest, "bad_request", "could not read the request body")
	}
	return body, nil
}

func tooLarge(limit int64) *HTTPResponse {
	return Error(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body exceeds %d bytes", limit))
}

// requestURL rebuilds the URL the caller used. The host forwards to
// 127.0.0.1 but copies the caller's headers, Host included.
func requestURL(r *http.Request) string {
	scheme := "http"
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = strings.ToLower(strings.TrimSpace(strings.Split(p, ",")[0]))
	} else if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// joinQuery flattens repeated parameters with commas, as the host does.
func joinQuery(q map[string][]string) map[string]string {
	out := make(map[string]string, len(q))
	for k, v := range q {
		out[k] = strings.Join(v, ",")
	}
	return out
}
