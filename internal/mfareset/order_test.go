package mfareset

import (
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	phonePath    = "/v1.0/users/*/authentication/phoneMethods/"
	preferences  = "/beta/users/*/authentication/signInPreferences"
	replanned    = "deletions refused for their order; planning again"
	methodDelete = "/v1.0/users/*/authentication/*/*"
)

// Sam's seeded methods (internal/graphdouble/testdata/tenant.json).
const (
	samAuthenticator = "a0000000-0000-4000-8000-000000000091"
	samOath          = "a0000000-0000-4000-8000-000000000092"
	samFido2         = "a0000000-0000-4000-8000-000000000093"
	samHello         = "a0000000-0000-4000-8000-000000000094"
)

// Sam with both mobile phones and each of his methods as the default: the
// reset succeeds on its first delivery, the alternateMobile is gone before
// the mobile's DELETE starts and the default is deleted last. The
// alternateMobile's DELETE is made slow, so deletions that merely ran at
// once would reach the mobile first. A default signInPreferences cannot
// name (a passkey, Windows Hello) costs one refusal and one re-plan.
func TestResetBothPhonesEveryDefault(t *testing.T) {
	cases := []struct {
		name, defaultID string
		patched         bool // the default must move to the mobile first
		unnamed         bool // signInPreferences cannot name this default
	}{
		{"mobile", directory.PhoneIDMobile, false, false},
		{"alternateMobile", directory.PhoneIDAlternateMobile, true, false},
		{"office", directory.PhoneIDOffice, false, false},
		{"microsoftAuthenticator", samAuthenticator, false, false},
		{"softwareOath", samOath, false, false},
		{"fido2", samFido2, false, true},
		{"windowsHelloForBusiness", samHello, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, graphdouble.Options{})
			d := r.graph.Double
			if err := d.SetDefaultMethod(graphtest.Sam, c.defaultID); err != nil {
				t.Fatal(err)
			}
			d.AddFault(graphdouble.Delay("DELETE", phonePath+directory.PhoneIDAlternateMobile, 30*time.Millisecond))
			q := r.approve(graphtest.Sam)
			r.assertFirstDelivery()
			assertReset(t, r, q)
			deletes := d.RequestsMatching("DELETE", methodDelete)
			assertBefore(t, deletes, directory.PhoneIDAlternateMobile, directory.PhoneIDMobile)
			last := c.defaultID
			if c.patched { // the default moved to the mobile
				last = directory.PhoneIDMobile
			}
			for _, m := range []string{directory.PhoneIDMobile, directory.PhoneIDAlternateMobile, directory.PhoneIDOffice, samAuthenticator, samOath, samFido2, samHello} {
				if m != last {
					assertBefore(t, deletes, m, last)
				}
			}
			if n := d.CountRequests("PATCH", preferences); (n == 1) != c.patched || n > 1 {
				t.Errorf("%d changes of the default", n)
			}
			if refused := countStatus(deletes, 400); refused != map[bool]int{false: 0, true: 1}[c.unnamed] {
				t.Errorf("%d deletions refused: %v", refused, deletes)
			}
			if strings.Contains(r.logs.String(), replanned) != c.unnamed {
				t.Errorf("re-planned: %v, want %v", !c.unnamed, c.unnamed)
			}
		})
	}
}

// An ordering rule we do not know yet costs a round trip, not a delivery:
// Graph refuses the office phone once "while" another method exists; the
// methods are listed again and a fresh plan deletes it.
func TestUnknownOrderingRuleIsReplanned(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	d := r.graph.Double
	d.AddFault(graphdouble.Fault{Method: "DELETE", Path: phonePath + directory.PhoneIDOffice, Count: 1, Status: 400, Code: "badRequest",
		Message: "The office phone method cannot be deleted while a software OATH token is registered."})
	q := r.approve(graphtest.Sam)
	r.assertFirstDelivery()
	assertReset(t, r, q)
	if n := d.CountRequests("DELETE", phonePath+directory.PhoneIDOffice); n != 2 {
		t.Errorf("office phone deleted %d times, want 2 (refused, then re-planned)", n)
	}
	if !strings.Contains(r.logs.String(), replanned) {
		t.Error("the re-plan is not logged")
	}
}

// A 400 that names no ordering reason fails the delivery as before; the
// redelivery finishes the reset.
func TestOtherBadRequestFailsTheDelivery(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.graph.Double.AddFault(graphdouble.Fault{Method: "DELETE", Path: "/v1.0/users/*/authentication/fido2Methods/*", Count: 1,
		Status: 400, Code: "badRequest", Message: "Invalid request."})
	q := r.approve(graphtest.Sam)
	if r.deliveries[0] != 2 {
		t.Errorf("%d deliveries, want 2", r.deliveries[0])
	}
	if strings.Contains(r.logs.String(), replanned) {
		t.Error("a 400 without an ordering reason was re-planned")
	}
	assertReset(t, r, q)
}

// Re-planning is bounded: a deletion refused for its order every time
// fails the delivery after three plans, with Graph's reason.
func TestReplanningIsBounded(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	d := r.graph.Double
	d.AddFault(graphdouble.Fault{Method: "DELETE", Path: phonePath + directory.PhoneIDOffice, Status: 400, Code: "badRequest",
		Message: "The office phone method cannot be deleted while the tenant policy requires it."})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	err := r.deliver(r.queued()[0], 1)
	if err == nil || !strings.Contains(err.Error(), "after 3 plans") || !strings.Contains(err.Error(), "tenant policy") {
		t.Fatalf("delivery: %v", err)
	}
	if n := d.CountRequests("DELETE", phonePath+directory.PhoneIDOffice); n != maxPlanRounds {
		t.Errorf("office phone deleted %d times, want %d", n, maxPlanRounds)
	}
	if n := len(d.IssuedTAPs(graphtest.Sam)); n != 0 {
		t.Errorf("%d passes minted while a method remained", n)
	}
}

// assertBefore checks that the last DELETE of method first ended before
// the last DELETE of method then started.
func assertBefore(t *testing.T, reqs []graphdouble.LoggedRequest, first, then string) {
	t.Helper()
	a, b := lastFor(reqs, first), lastFor(reqs, then)
	if a == nil || b == nil {
		t.Fatalf("no DELETE of %s or %s in %v", first, then, reqs)
	}
	if a.Time.Add(a.Duration).After(b.Time) {
		t.Errorf("%s deleted before %s was gone", then, first)
	}
}

func lastFor(reqs []graphdouble.LoggedRequest, id string) *graphdouble.LoggedRequest {
	var out *graphdouble.LoggedRequest
	for i := range reqs {
		if strings.HasSuffix(reqs[i].Path, "/"+id) && (out == nil || reqs[i].Time.After(out.Time)) {
			out = &reqs[i]
		}
	}
	return out
}

func countStatus(reqs []graphdouble.LoggedRequest, status int) int {
	n := 0
	for _, r := range reqs {
		if r.Status == status {
			n++
		}
	}
	return n
}
