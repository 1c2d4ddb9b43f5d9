package newhire_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/logcapture"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/newhire"
)

const tapPath = "/v1.0/users/*/authentication/temporaryAccessPassMethods"

type fixture struct {
	rig  *graphtest.Rig
	svc  *newhire.Service
	logs *logcapture.Buffer
}

func setup(t *testing.T) *fixture {
	rig := graphtest.New(t, graphdouble.Options{})
	log, buf := logcapture.New(-8)
	return &fixture{rig: rig, logs: buf, svc: &newhire.Service{
		Dir:             rig.Client,
		Guard:           guard.Guard{Dir: rig.Client, ProtectedGroupID: graphtest.ProtectedGroup},
		Sender:          graphtest.Sender,
		LifetimeMinutes: 120,
		Audit:           audit.New(log),
	}}
}

func post(body string) *host.HTTPRequest {
	return &host.HTTPRequest{
		Method:  "POST",
		Path:    "/api/new-hire/tap",
		Headers: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:    []byte(body),
	}
}

type answer struct {
	Status int
	newhire.Issued
	Error, Detail string
}

func (f *fixture) call(t *testing.T, req *host.HTTPRequest) answer {
	t.Helper()
	resp := f.svc.HTTP(context.Background(), req)
	if resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("content type %q", resp.Headers["Content-Type"])
	}
	a := answer{Status: resp.StatusCode}
	if err := json.Unmarshal(resp.Body, &a); err != nil {
		t.Fatalf("body %s: %v", resp.Body, err)
	}
	return a
}

// assertNoPassLeaked checks every pass the double ever minted against the
// captured logs.
func (f *fixture) assertNoPassLeaked(t *testing.T, users ...string) {
	t.Helper()
	for _, u := range users {
		for _, tap := range f.rig.Double.IssuedTAPs(u) {
			if strings.Contains(f.logs.String(), tap.Value) {
				t.Fatalf("a pass reached the logs")
			}
		}
	}
}

func TestIssuesOneTimePassToManager(t *testing.T) {
	for _, ref := range []string{graphtest.Nora, "nora.new@contoso.example"} {
		t.Run(ref, func(t *testing.T) {
			f := setup(t)
			a := f.call(t, post(`{"user":"`+ref+`"}`))
			if a.Status != http.StatusCreated {
				t.Fatalf("status %d: %s %s", a.Status, a.Error, a.Detail)
			}
			issued := f.rig.Double.IssuedTAPs(graphtest.Nora)
			if len(issued) != 1 || !issued[0].IsUsableOnce || issued[0].LifetimeInMinutes != 120 || issued[0].ID != a.TAPID {
				t.Fatalf("issued %+v, answer %+v", issued, a)
			}
			if a.UserID != graphtest.Nora || !a.IsUsableOnce || len(a.Recipients) != 1 || a.Recipients[0] != "mara.manager@contoso.example" {
				t.Errorf("answer %+v", a)
			}
			if got := a.ExpiresAt.Sub(issued[0].StartDateTime); got < 120*time.Minute-time.Second || got > 120*time.Minute+time.Second {
				t.Errorf("expires %v after start, want 120 min", got)
			}
			out := f.rig.Double.Outbox()
			if len(out) != 1 || out[0].To[0].Address != "mara.manager@contoso.example" || !strings.Contains(out[0].Body, issued[0].Value) {
				t.Fatalf("outbox %+v", out)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, `"outcome":"succeeded"`) || !strings.Contains(logs, `"target_id":"`+graphtest.Nora+`"`) {
				t.Errorf("audit event missing: %s", logs)
			}
			f.assertNoPassLeaked(t, graphtest.Nora)
		})
	}
}

func TestRefusalsMintNothing(t *testing.T) {
	cases := []struct {
		name, user string
		status     int
		code       string
	}{
		{"unknown user", "ghost@contoso.example", 404, "user_not_found"},
		{"no manager", graphtest.Una, 422, "no_manager"},
		{"manager without mailbox", graphtest.Petra, 422, "manager_without_mail"},
		{"global administrator", graphtest.Gina, 403, "protected_account"},
		{"eligible through PIM", graphtest.Pia, 403, "protected_account"},
		{"break-glass in nested protected group", graphtest.Bree, 403, "protected_account"},
		{"role through a role-assignable group", graphtest.Hank, 403, "protected_account"},
		{"guest", graphtest.Greta, 403, "protected_account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			a := f.call(t, post(`{"user":"`+tc.user+`"}`))
			if a.Status != tc.status || a.Error != tc.code || a.Detail == "" {
				t.Fatalf("got %d %s %q, want %d %s", a.Status, a.Error, a.Detail, tc.status, tc.code)
			}
			if n := f.rig.Double.CountRequests("POST", tapPath); n != 0 {
				t.Errorf("%d TAP POSTs for a refused request", n)
			}
			if len(f.rig.Double.Outbox()) != 0 {
				t.Error("mail sent for a refused request")
			}
			if !strings.Contains(f.logs.String(), `"outcome":"refused"`) {
				t.Errorf("no refusal audit: %s", f.logs.String())
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct {
		name   string
		req    *host.HTTPRequest
		status int
		code   string
	}{
		{"malformed JSON", post(`{"user":`), 400, "invalid_body"},
		{"unknown field", post(`{"usr":"nora.new@contoso.example"}`), 400, "invalid_body"},
		{"two values", post(`{"user":"a@b.c"} {}`), 400, "invalid_body"},
		{"empty body", post(``), 400, "invalid_body"},
		{"wrong type", post(`{"user":42}`), 400, "invalid_body"},
		{"missing user", post(`{}`), 400, "invalid_user"},
		{"not an id or UPN", post(`{"user":"nora"}`), 400, "invalid_user"},
		{"path characters", post(`{"user":"../users/x@y"}`), 400, "invalid_user"},
		{"wrong content type", func() *host.HTTPRequest {
			r := post(`{"user":"nora.new@contoso.example"}`)
			r.Headers.Set("Content-Type", "text/plain")
			return r
		}(), 415, "unsupported_media_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			a := f.call(t, tc.req)
			if a.Status != tc.status || a.Error != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", a.Status, a.Error, a.Detail, tc.status, tc.code)
			}
			if len(f.rig.Double.Requests()) != 0 {
				t.Errorf("a bad request reached Graph: %v", f.rig.Double.Requests())
			}
		})
	}
}

// A pass that cannot be delivered is withdrawn: no live pass is left that
// nobody was meant to hold.
func TestUndeliverablePassIsWithdrawn(t *testing.T) {
	f := setup(t)
	f.rig.Double.AddFault(graphdouble.ServerError("POST", "/v1.0/users/*/sendMail", 500, 1))
	a := f.call(t, post(`{"user":"`+graphtest.Nora+`"}`))
	if a.Status != http.StatusBadGateway || a.Error != "delivery_failed" {
		t.Fatalf("got %d %s %s", a.Status, a.Error, a.Detail)
	}
	issued := f.rig.Double.IssuedTAPs(graphtest.Nora)
	if len(issued) != 1 || !issued[0].Deleted {
		t.Fatalf("pass not withdrawn: %+v", issued)
	}
	if strings.Contains(a.Detail, issued[0].Value) {
		t.Fatal("pass in the error detail")
	}
	f.assertNoPassLeaked(t, graphtest.Nora)
}

func TestLostTAPAnswerDeliversNothing(t *testing.T) {
	f := setup(t)
	f.rig.Double.AddFault(graphdouble.DropResponse("POST", tapPath, 1))
	a := f.call(t, post(`{"user":"`+graphtest.Nora+`"}`))
	if a.Status != http.StatusServiceUnavailable || a.Error != "outcome_unknown" {
		t.Fatalf("got %d %s %s", a.Status, a.Error, a.Detail)
	}
	if n := f.rig.Double.CountRequests("POST", tapPath); n != 1 {
		t.Errorf("TAP POSTs = %d, want 1", n)
	}
	if len(f.rig.Double.Outbox()) != 0 {
		t.Error("a mail went out for a pass we never saw")
	}
	// The caller's retry mints a new pass, which replaces the unseen one.
	a = f.call(t, post(`{"user":"`+graphtest.Nora+`"}`))
	if a.Status != http.StatusCreated {
		t.Fatalf("retry: %d %s", a.Status, a.Detail)
	}
	issued := f.rig.Double.IssuedTAPs(graphtest.Nora)
	if len(issued) != 2 || !issued[0].Replaced || issued[1].ID != a.TAPID {
		t.Fatalf("issued %+v", issued)
	}
	f.assertNoPassLeaked(t, graphtest.Nora)
}

func TestThrottlingIsAbsorbed(t *testing.T) {
	f := setup(t)
	f.rig.Double.AddFault(graphdouble.Throttle("", "/v1.0/**", 3, "2"))
	a := f.call(t, post(`{"user":"`+graphtest.Nora+`"}`))
	if a.Status != http.StatusCreated {
		t.Fatalf("got %d %s", a.Status, a.Detail)
	}
	if len(f.rig.Double.IssuedTAPs(graphtest.Nora)) != 1 {
		t.Error("want exactly one pass")
	}
}
