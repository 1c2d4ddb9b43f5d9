package graphdouble

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Seeded ids from testdata/tenant.json.
const (
	noraID     = "10000000-0000-4000-8000-000000000001"
	maraID     = "10000000-0000-4000-8000-000000000002"
	unaID      = "10000000-0000-4000-8000-000000000003"
	miloID     = "10000000-0000-4000-8000-000000000004"
	petraID    = "10000000-0000-4000-8000-000000000005"
	ginaID     = "10000000-0000-4000-8000-000000000006"
	piaID      = "10000000-0000-4000-8000-000000000007"
	breeID     = "10000000-0000-4000-8000-000000000008"
	samID      = "10000000-0000-4000-8000-000000000009"
	hankID     = "10000000-0000-4000-8000-000000000010"
	breakGlass = "20000000-0000-4000-8000-000000000001"
	protected  = "20000000-0000-4000-8000-000000000002"
	caTemp     = "20000000-0000-4000-8000-000000000003"
	helpdesk   = "20000000-0000-4000-8000-000000000004"
	requestID  = "50000000-0000-4000-8000-000000000001"

	samAuthenticator = "a0000000-0000-4000-8000-000000000091"
	samFido2         = "a0000000-0000-4000-8000-000000000093"
)

type fixture struct {
	t   *testing.T
	d   *Double
	srv *httptest.Server
	// gzip makes requests compress their bodies like the Graph SDK.
	gzip bool
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	tenant, err := LoadSeed("testdata/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	d := New(tenant, opts)
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return &fixture{t: t, d: d, srv: srv, gzip: true}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (r response) values() []map[string]any {
	var out []map[string]any
	for _, v := range r.body["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func (r response) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r response) errorMessage() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// do sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON). path is relative to the server or absolute.
func (f *fixture) do(method, path string, body any) response {
	f.t.Helper()
	req := f.request(method, path, body)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			f.t.Fatalf("%s %s: answer is not JSON: %q", method, path, raw)
		}
	}
	return out
}

func (f *fixture) request(method, path string, body any) *http.Request {
	f.t.Helper()
	var payload []byte
	switch b := body.(type) {
	case nil:
	case string:
		payload = []byte(b)
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			f.t.Fatal(err)
		}
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = f.srv.URL + path
	}
	var rd io.Reader
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if req.URL.Query().Get("$count") == "true" {
		// An advanced query, sent as Graph requires.
		req.Header.Set("ConsistencyLevel", "eventual")
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
		if f.gzip {
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			_, _ = zw.Write(payload)
			_ = zw.Close()
			payload = buf.Bytes()
			req.Header.Set("Content-Encoding", "gzip")
		}
		req.Body = io.NopCloser(bytes.NewReader(payload))
		req.ContentLength = int64(len(payload))
	}
	return req
}

// expect fails unless the answer has the status.
func (f *fixture) expect(r response, status int) response {
	f.t.Helper()
	if r.status != status {
		f.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

func ids(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		s, _ := it["id"].(string)
		out = append(out, s)
	}
	return out
}
