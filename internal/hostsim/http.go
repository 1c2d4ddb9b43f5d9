package hostsim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// Request is a caller's request to an HTTP function.
type Request struct {
	Method string // default GET
	// Path is the concrete path after the route prefix, e.g. "users/u1/tap";
	// empty means the function's route, which must then have no parameters.
	Path    string
	Query   url.Values
	Headers http.Header
	Body    []byte
}

// Response is what the caller receives.
type Response struct {
	StatusCode int
	Headers    http.Header
	Body       []byte
	// HandlerCalled is false when the host answered by itself (401 for a
	// missing key, 404 for an unknown route or method).
	HandlerCalled bool
	// Forwarded tells which transport was used.
	Forwarded bool
	// Outputs holds extra output messages (JSON protocol only).
	Outputs map[string][][]byte
	// Logs are the invocation's Logs (JSON protocol only).
	Logs         []string
	InvocationID string
}

// DecodeJSON unmarshals the body into v.
func (r *Response) DecodeJSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("response body %q: %w", truncate(r.Body, 200), err)
	}
	return nil
}

// HTTP sends a caller's request to function name the way the host would:
// its own 404 (route or method) and 401 (authLevel) first, then forwarded
// as is when the host forwards this function, else as a JSON invocation
// whose http output becomes the response. When a JSON invocation fails,
// the caller gets a 500 and the error says why (an *InvocationError).
func (s *Sim) HTTP(ctx context.Context, name string, req Request) (*Response, error) {
	fn, err := s.function(name, "httpTrigger")
	if err != nil {
		return nil, err
	}
	req.Method = strings.ToUpper(req.Method)
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	path, params, err := s.routePath(fn, req.Path)
	if err != nil {
		return nil, err
	}
	trig := fn.Trigger()
	switch {
	case params == nil || !methodAllowed(trig, req.Method):
		return &Response{StatusCode: http.StatusNotFound, Headers: http.Header{}}, nil
	case !s.authorised(trig.AuthLevel, req):
		return &Response{StatusCode: http.StatusUnauthorized, Headers: http.Header{}}, nil
	case fn.Forwarded(s.host):
		return s.forward(ctx, path, req)
	}
	return s.invokeHTTP(ctx, fn, path, params, req)
}

// routePath returns the escaped path (prefix included) and the route
// parameters; nil parameters mean the route does not match (404).
func (s *Sim) routePath(fn *Function, concrete string) (string, map[string]string, error) {
	tmpl := fn.route()
	if concrete == "" {
		if strings.Contains(tmpl, "{") {
			return "", nil, fmt.Errorf("hostsim: %s has route %q: give Request.Path", fn.Name, tmpl)
		}
		concrete = tmpl
	}
	concrete = strings.TrimPrefix(concrete, "/")
	params, ok, err := host.MatchRoute(tmpl, concrete)
	if err != nil {
		return "", nil, fmt.Errorf("hostsim: %s: %w", fn.Name, err)
	}
	full := "/" + concrete
	if s.host.RoutePrefix != "" {
		full = "/" + s.host.RoutePrefix + full
	}
	if !ok {
		return full, nil, nil
	}
	return full, params, nil
}

func methodAllowed(b *Binding, method string) bool {
	return len(b.Methods) == 0 || slices.ContainsFunc(b.Methods, func(m string) bool { return strings.EqualFold(m, method) })
}

// authorised emulates the host's key check; the key may come in the
// x-functions-key header or the code query parameter.
func (s *Sim) authorised(level string, req Request) bool {
	given := req.Headers.Get("X-Functions-Key")
	if given == "" {
		given = req.Query.Get("code")
	}
	matches := func(key string) bool {
		return key != "" && subtle.ConstantTimeCompare([]byte(given), []byte(key)) == 1
	}
	switch strings.ToLower(level) {
	case "anonymous":
		return true
	case "admin":
		return matches(s.cfg.MasterKey)
	default: // "function" is the default level
		return matches(s.cfg.FunctionKey) || matches(s.cfg.MasterKey)
	}
}

// publicURL is the URL the caller used.
func (s *Sim) publicURL(path string, q url.Values) string {
	u := s.cfg.PublicURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// forward sends the request as is (§2.2): all headers, the body only when
// it has a length, the host's three headers added; the answer passes
// through and redirects are not followed.
func (s *Sim) forward(ctx context.Context, path string, req Request) (*Response, error) {
	target := s.cfg.HandlerURL + path
	if len(req.Query) > 0 {
		target += "?" + req.Query.Encode()
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target, body)
	if err != nil {
		return nil, fmt.Errorf("hostsim: %w", err)
	}
	hr.Header = req.Headers.Clone()
	if hr.Header == nil {
		hr.Header = http.Header{}
	}
	if u, err := url.Parse(s.cfg.PublicURL); err == nil {
		hr.Host = u.Host // the host copies the caller's Host header
	}
	id := newInvocationID()
	s.addHostHeaders(hr.Header, id)
	res, err := s.client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("hostsim: forward to %s: %w", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("hostsim: read forwarded answer: %w", err)
	}
	return &Response{StatusCode: res.StatusCode, Headers: res.Header, Body: b, HandlerCalled: true, Forwarded: true, InvocationID: id}, nil
}

// invokeHTTP wraps the request in a JSON invocation (§2.4).
func (s *Sim) invokeHTTP(ctx context.Context, fn *Function, path string, params map[string]string, req Request) (*Response, error) {
	full := s.publicURL(path, req.Query)
	md := map[string]any{"Query": joinedQuery(req.Query), "Headers": joinedHeaders(req.Headers), "sys": sysMetadata(fn)}
	for k, v := range params {
		md[k] = quoted(v)
	}
	inv := invocation{Data: map[string]any{fn.Trigger().Name: requestObject(full, params, req)}, Metadata: md}
	out, err := s.invoke(ctx, fn, inv)
	if err != nil {
		return &Response{StatusCode: http.StatusInternalServerError, Headers: http.Header{}, HandlerCalled: true}, err
	}
	res := out.HTTP
	res.HandlerCalled, res.Outputs, res.Logs, res.InvocationID = true, out.Messages, out.Logs, out.InvocationID
	return res, nil
}

// requestObject is HttpRequest as GetRequestAsJObject serialises it: header
// values as arrays, repeated query values comma-joined, Body omitted when
// empty and base64 for binary content.
func requestObject(full string, params map[string]string, req Request) map[string]any {
	headers := map[string][]string{}
	for k, v := range req.Headers {
		headers[k] = v
	}
	if len(req.Body) > 0 {
		headers["Content-Length"] = []string{fmt.Sprint(len(req.Body))}
	}
	obj := map[string]any{
		"Url": full, "Method": req.Method, "Query": joinedQuery(req.Query), "Headers": headers, "Params": params,
		"Identities": []any{map[string]any{
			"AuthenticationType": "WebJobsAuthLevel", "IsAuthenticated": true,
			"Claims": []any{map[string]string{"Type": "http://schemas.microsoft.com/2017/07/functions/claims/authlevel", "Value": "Function"}},
		}},
	}
	if len(req.Body) > 0 {
		obj["Body"] = bodyText(req)
	}
	return obj
}

func bodyText(req Request) string {
	ct := strings.ToLower(req.Headers.Get("Content-Type"))
	if strings.HasPrefix(ct, "application/octet-stream") || strings.HasPrefix(ct, "multipart/") {
		return encodeBase64(req.Body)
	}
	return string(req.Body)
}

func joinedQuery(q url.Values) map[string]string {
	out := map[string]string{}
	for k, v := range q {
		out[k] = strings.Join(v, ",")
	}
	return out
}

func joinedHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = strings.Join(v, ",")
	}
	return out
}
