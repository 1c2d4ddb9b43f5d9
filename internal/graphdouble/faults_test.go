package graphdouble

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"
)

func TestThrottleWithRetryAfterLeavesTenantAlone(t *testing.T) {
	f := newFixture(t, Options{})
	h := f.d.AddFault(Throttle("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 1, "2"))
	r := f.expect(f.do("POST", tapPath(noraID), map[string]any{}), 429)
	if r.header.Get("Retry-After") != "2" || r.errorCode() != "TooManyRequests" {
		t.Errorf("429: %v %s", r.header, r.raw)
	}
	if n := len(f.d.IssuedTAPs(noraID)); n != 0 {
		t.Fatalf("throttled request minted %d passes", n)
	}
	f.expect(f.do("POST", tapPath(noraID), map[string]any{}), 201)
	if h.Fired() != 1 {
		t.Errorf("fired %d", h.Fired())
	}
	log := f.d.RequestsMatching("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods")
	if len(log) != 2 || log[0].Status != 429 || log[0].Fault != "429" || log[1].Status != 201 {
		t.Errorf("log: %v", log)
	}
}

func TestThrottleWithoutRetryAfter(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.AddFault(Throttle("", "/v1.0/users/**", 0, ""))
	r := f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 429)
	if _, ok := r.header["Retry-After"]; ok {
		t.Error("Retry-After sent")
	}
}

func TestServerErrorsSkipAndCount(t *testing.T) {
	f := newFixture(t, Options{})
	fault := ServerError("GET", "/v1.0/users/*", 503, 2)
	fault.Skip = 1
	f.d.AddFault(fault)
	got := []int{}
	for range 4 {
		got = append(got, f.do("GET", "/v1.0/users/"+noraID, nil).status)
	}
	if want := []int{200, 503, 503, 200}; !equalInts(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	f.d.ClearFaults()
	f.d.AddFault(Fault{PathRegexp: regexp.MustCompile(`/manager$`), Status: 504, Count: 1})
	r := f.expect(f.do("GET", "/v1.0/users/"+noraID+"/manager", nil), 504)
	if r.errorCode() != "gatewayTimeout" {
		t.Errorf("code %q", r.errorCode())
	}
	f.d.AddFault(Fault{Method: "GET", Path: "/v1.0/users/*", Status: 500, Count: 1, Code: "UnknownError", Message: "boom"})
	if r := f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 500); r.errorMessage() != "boom" {
		t.Errorf("override: %s", r.raw)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDropAppliesThenLosesTheAnswer(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.AddFault(DropResponse("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 1))
	_, err := f.srv.Client().Do(f.request("POST", tapPath(noraID), map[string]any{}))
	if err == nil {
		t.Fatal("dropped request got an answer")
	}
	issued := f.d.IssuedTAPs(noraID)
	if len(issued) != 1 {
		t.Fatalf("the POST must be applied before the drop; issued %d", len(issued))
	}
	log := f.d.RequestsMatching("POST", "**/temporaryAccessPassMethods")
	if len(log) != 1 || !log[0].Dropped || log[0].Status != 201 || log[0].Fault != "drop" {
		t.Errorf("log: %+v", log)
	}
	// The retry our code must not make blindly replaces the pass.
	f.expect(f.do("POST", tapPath(noraID), map[string]any{}), 201)
	if issued := f.d.IssuedTAPs(noraID); len(issued) != 2 || !issued[0].Replaced {
		t.Errorf("history %+v", issued)
	}
}

func TestDropBeforeApply(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.AddFault(Fault{Method: "POST", Path: "**/temporaryAccessPassMethods", DropBeforeApply: true, Count: 1})
	if _, err := f.srv.Client().Do(f.request("POST", tapPath(noraID), map[string]any{})); err == nil {
		t.Fatal("answer received")
	}
	if n := len(f.d.IssuedTAPs(noraID)); n != 0 {
		t.Errorf("issued %d", n)
	}
}

func TestProbabilityIsSeededAndBounded(t *testing.T) {
	f := newFixture(t, Options{Seed: 42})
	h := f.d.AddFault(Fault{Method: "GET", Path: "/v1.0/users/*", Status: 503, Probability: 0.5})
	for range 60 {
		f.do("GET", "/v1.0/users/"+noraID, nil)
	}
	if n := h.Fired(); n < 15 || n > 45 {
		t.Errorf("fired %d of 60 at p=0.5", n)
	}
	h.Remove()
	f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 200)
}

func TestLatency(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.SetLatency(30 * time.Millisecond)
	f.d.AddFault(Delay("GET", "/v1.0/users/*/manager", 40*time.Millisecond))
	start := time.Now()
	f.expect(f.do("GET", "/v1.0/users/"+noraID+"/manager", nil), 200)
	if el := time.Since(start); el < 70*time.Millisecond {
		t.Errorf("took %v, want >= 70ms", el)
	}
	// A client that gives up during the latency changes nothing.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	req := f.request("POST", tapPath(noraID), map[string]any{}).WithContext(ctx)
	if _, err := f.srv.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	time.Sleep(40 * time.Millisecond) // let the handler notice and return
	if n := len(f.d.IssuedTAPs(noraID)); n != 0 {
		t.Errorf("abandoned request minted %d", n)
	}
}

func TestAuthCheck(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.SetAuthCheck(func(r *http.Request) error {
		if r.Header.Get("Authorization") != "Bearer good" {
			return errors.New("Access token validation failure. Invalid audience.")
		}
		return nil
	})
	r := f.expect(f.do("POST", tapPath(noraID), map[string]any{}), 401)
	if r.errorCode() != "InvalidAuthenticationToken" || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401: %v %s", r.header, r.raw)
	}
	if len(f.d.IssuedTAPs(noraID)) != 0 {
		t.Error("unauthenticated request applied")
	}
	req := f.request("GET", "/v1.0/users/"+noraID, nil)
	req.Header.Set("Authorization", "Bearer good")
	resp, err := f.srv.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("authorised: %v %v", err, resp)
	}
	resp.Body.Close()
	f.d.SetAuthCheck(nil)
	f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 200)
}

// Drops also work over TLS, with HTTP/1.1 (hijack) and HTTP/2 (stream abort).
func TestDropOverTLS(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		tenant, err := LoadSeed("testdata/tenant.json")
		if err != nil {
			t.Fatal(err)
		}
		d := New(tenant, Options{})
		srv := httptest.NewUnstartedServer(d)
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		f := &fixture{t: t, d: d, srv: srv, gzip: true}
		d.AddFault(DropResponse("POST", "**/temporaryAccessPassMethods", 1))
		resp, err := srv.Client().Do(f.request("POST", tapPath(noraID), map[string]any{}))
		if err == nil {
			resp.Body.Close()
			t.Errorf("h2=%v: dropped answer arrived (%s)", h2, resp.Proto)
		}
		if n := len(d.IssuedTAPs(noraID)); n != 1 {
			t.Errorf("h2=%v: issued %d", h2, n)
		}
		f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 200)
		srv.Close()
	}
}

func TestRateLimitRefusesWhatIsOverTheLimit(t *testing.T) {
	f := newFixture(t, Options{})
	f.d.SetRateLimit(5)
	var ok, throttled int
	for range 8 {
		r := f.do("GET", "/v1.0/users/"+samID, nil)
		switch r.status {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			throttled++
			if r.header.Get("Retry-After") != "1" || r.errorCode() != "TooManyRequests" {
				t.Errorf("429 without Graph's headers: %v %s", r.header, r.raw)
			}
		}
	}
	if ok != 5 || throttled != 3 || f.d.Throttled() != 3 {
		t.Errorf("ok %d, throttled %d (%d counted)", ok, throttled, f.d.Throttled())
	}
	f.d.SetRateLimit(0)
	f.expect(f.do("GET", "/v1.0/users/"+samID, nil), http.StatusOK)
}
