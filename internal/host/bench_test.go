package host

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchServer has one trivial function per kind, so the benchmarks measure
// the protocol work (decode, route, encode), not the functions.
func benchServer(b *testing.B) *Server {
	s, _ := newTestServer(b)
	s.Ready([]Function{
		{Name: "PhoneSync", Trigger: "req", Route: "phone-sync", Methods: []string{"post"},
			HTTP: func(context.Context, *HTTPRequest) *HTTPResponse {
				return JSON(http.StatusAccepted, map[string]bool{"accepted": true})
			}},
		{Name: "Work", Trigger: "job",
			Queue: func(_ context.Context, m *QueueMessage) (Outputs, error) {
				return Outputs{"results": {map[string]string{"jobId": "42", "status": "done"}}}, nil
			}},
	})
	return s
}

func benchInvoke(b *testing.B, s *Server, method, path, body string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkInvokeHTTP(b *testing.B) {
	benchInvoke(b, benchServer(b), "POST", "/PhoneSync", fixtureHTTPPost)
}

func BenchmarkInvokeQueue(b *testing.B) {
	benchInvoke(b, benchServer(b), "POST", "/Work", fixtureQueueHost)
}

func BenchmarkForwardedHTTP(b *testing.B) {
	s := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/phone-sync?tenant=x", strings.NewReader(`{"deviceId":"123"}`))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
