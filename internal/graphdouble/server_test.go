package graphdouble

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

func TestGzipAndPlainBodiesAreLoggedDecoded(t *testing.T) {
	f := newFixture(t, Options{})
	f.expect(f.do("POST", tapPath(noraID), map[string]any{"lifetimeInMinutes": 30}), 201)
	f.gzip = false
	f.expect(f.do("POST", tapPath(samID), map[string]any{"lifetimeInMinutes": 45}), 201)
	log := f.d.RequestsMatching("POST", "**/temporaryAccessPassMethods")
	if len(log) != 2 || !log[0].Gzipped || log[1].Gzipped {
		t.Fatalf("log %v", log)
	}
	var body struct{ LifetimeInMinutes int }
	if err := log[0].DecodeBody(&body); err != nil || body.LifetimeInMinutes != 30 {
		t.Errorf("decoded %v %v", body, err)
	}
	if s := log[0].String(); s != "POST /v1.0/users/"+noraID+"/authentication/temporaryAccessPassMethods -> 201" {
		t.Errorf("String %q", s)
	}
}

func TestBadEncodings(t *testing.T) {
	f := newFixture(t, Options{})
	f.gzip = false
	bad := f.request("POST", tapPath(noraID), "{not gzip")
	bad.Header.Set("Content-Encoding", "gzip")
	if status := send(t, f, bad); status != 400 {
		t.Errorf("bad gzip: %d", status)
	}
	br := f.request("POST", tapPath(noraID), "{}")
	br.Header.Set("Content-Encoding", "br")
	if status := send(t, f, br); status != 415 {
		t.Errorf("br: %d", status)
	}
	f.expect(f.do("POST", tapPath(noraID), "not json"), 400)
	f.expect(f.do("POST", tapPath(noraID), ""), 400)
}

func send(t *testing.T, f *fixture, req *http.Request) int {
	t.Helper()
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUnknownPath(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/"+noraID+"/photo", nil), 400)
	if r.errorCode() != "BadRequest" {
		t.Errorf("code %q", r.errorCode())
	}
	f.expect(f.do("PUT", "/v1.0/users/"+noraID, nil), 405)
}

// TestConcurrentUse runs mixed traffic in parallel; run with -race.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.AddFault(Fault{Method: "GET", Path: "/v1.0/users/*", Status: 503, Probability: 0.2})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := f.srv.Client()
			for j := range 5 {
				reqs := []*http.Request{
					f.request("GET", "/v1.0/users/"+noraID, nil),
					f.request("POST", tapPath(samID), map[string]any{}),
					f.request("POST", membersPath(caTemp)+"/$ref", ref(fmt.Sprint(samID))),
					f.request("GET", "/v1.0/auditLogs/directoryAudits", nil),
					f.request("POST", "/v1.0/users/"+samID+"/revokeSignInSessions", nil),
				}
				resp, err := c.Do(reqs[(i+j)%len(reqs)])
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				_ = f.d.Requests()
				_ = f.d.IssuedTAPs(samID)
			}
		}()
	}
	wg.Wait()
	if n := len(f.d.Requests()); n != 100 {
		t.Errorf("logged %d", n)
	}
	if taps := f.d.Methods(samID); countType(taps, MethodTemporaryAccessPass) != 1 {
		t.Errorf("one pass per user, got %d", countType(taps, MethodTemporaryAccessPass))
	}
}

func countType(ms []AuthMethod, typ MethodType) int {
	n := 0
	for _, m := range ms {
		if m.Type == typ {
			n++
		}
	}
	return n
}
