package mfareset

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/sandbox"
)

// assertReset checks the whole visible result of one successful reset of
// Sam: every MFA method gone (the password stays), sessions revoked, one
// one-time pass mailed once to the manager, a notice without the pass to
// Sam, the CA group joined, one resume.
func assertReset(t *testing.T, r *rig, q request) {
	t.Helper()
	d := r.graph.Double
	taps := d.IssuedTAPs(graphtest.Sam)
	if len(taps) != 1 || !taps[0].IsUsableOnce || taps[0].LifetimeInMinutes != 60 || taps[0].Deleted {
		t.Fatalf("passes: %+v", taps)
	}
	for _, m := range d.Methods(graphtest.Sam) { // only the password and the new pass may remain
		if m.Type != graphdouble.MethodPassword && m.ID != taps[0].ID {
			t.Errorf("method left: %s %s", m.Type, m.ID)
		}
	}
	if d.RevokedSessions(graphtest.Sam) < 1 {
		t.Error("sessions not revoked")
	}
	mails := r.passMails(graphtest.Sam)
	if len(mails) != 1 || len(mails[0].To) != 1 || mails[0].To[0].Address != "mara.manager@contoso.example" {
		t.Fatalf("pass mails: %+v", mails)
	}
	var notices int
	for _, m := range d.Outbox() {
		if m.To[0].Address == "sam.six@contoso.example" {
			notices++
			if strings.Contains(m.Body, taps[0].Value) {
				t.Fatal("the user's notice carries the pass")
			}
		}
	}
	if notices != 1 {
		t.Errorf("user notices: %d", notices)
	}
	if !slices.Contains(d.GroupMembers(sandbox.CAGroupID), graphtest.Sam) {
		t.Error("not added to the temporary CA group")
	}
	pk, rk := ledger.MembershipKeys(sandbox.CAGroupID, graphtest.Sam)
	if m, err := r.worker.Members.Get(t.Context(), pk, rk); err != nil || m.AddedAt.IsZero() || m.RequestID != strings.ToLower(q.ID) {
		t.Errorf("membership record: %+v %v", m, err)
	}
	res := r.resumes(q.ID)
	if len(res) != 1 || !strings.Contains(detailOf(res[0]), "MFA reset done") || res[0].Data["state"] != nil {
		t.Fatalf("resumes: %+v", res)
	}
	rec := r.record(q)
	if rec.Step != StepDone || rec.Outcome != OutcomeSucceeded || rec.TAPID != taps[0].ID || rec.CAGroupAddedAt.IsZero() || rec.LeaseOwner != "" {
		t.Errorf("record: %+v", rec)
	}
	for _, typ := range []string{"phone", "microsoftAuthenticator", "softwareOath", "fido2", "windowsHelloForBusiness"} {
		if !strings.Contains(rec.MethodsRemoved, typ) {
			t.Errorf("methods removed %q lacks %s", rec.MethodsRemoved, typ)
		}
	}
	r.assertNoSecretsLogged(graphtest.Sam)
}

func TestApprovedReset(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.approve(graphtest.Sam)
	r.assertFirstDelivery()
	assertReset(t, r, q)
	for _, step := range []Step{StepGuarded, StepMethodsRemoved, StepSessionsRevoked, StepTAPRequested, StepDelivered, StepResuming, StepDone} {
		if !strings.Contains(r.logs.String(), `"action":"mfareset.`+string(step)+`"`) {
			t.Errorf("no audit event for %s", step)
		}
	}
}

// Entitlement Management retries, the relay may too: five deliveries of
// the same callout queue one job and reset once.
func TestReplayedCalloutQueuesOnce(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	for i := range 5 {
		if s := r.callout(q); s != 202 {
			t.Fatalf("callout %d: %d", i, s)
		}
	}
	if n := len(r.queued()); n != 1 {
		t.Fatalf("%d jobs queued, want 1", n)
	}
	r.drain()
	if s := r.callout(q); s != 202 || len(r.queued()) != 0 {
		t.Fatalf("a replay after completion: %d, %d queued", s, len(r.queued()))
	}
	r.assertFirstDelivery()
	assertReset(t, r, q)
}

func TestRedeliveryAfterCompletionDoesNothing(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	job := r.queued()[0]
	r.drain()
	before := len(r.graph.Double.Requests())
	if err := r.deliver(job, 1); err != nil {
		t.Fatal(err)
	}
	if after := len(r.graph.Double.Requests()); after != before {
		t.Errorf("a finished job made %d more Graph calls", after-before)
	}
	assertReset(t, r, q)
}

// A crash right after any checkpoint, then the message's redelivery,
// finishes the same reset: one pass minted, one mailed, one resume.
func TestCrashAfterEachStepThenRedelivery(t *testing.T) {
	for _, at := range []Step{StepGuarded, StepMethodsRemoved, StepSessionsRevoked, StepTAPRequested, StepDelivered, StepResuming} {
		t.Run(string(at), func(t *testing.T) {
			r := newRig(t, graphdouble.Options{})
			q := r.newRequest(graphtest.Sam, graphtest.Mara)
			r.callout(q)
			job := r.queued()[0]
			if !r.deliverCrashing(job, 1, at) {
				t.Fatal("did not reach the checkpoint")
			}
			// The crashed holder's lease must run out before anyone else may work.
			rec := r.record(q)
			rec.LeaseUntil = rec.Updated
			if err := r.worker.Ledger.Update(t.Context(), rec); err != nil {
				t.Fatal(err)
			}
			if err := r.deliver(job, 2); err != nil {
				t.Fatalf("redelivery: %v", err)
			}
			assertReset(t, r, q)
		})
	}
}

func TestLiveLeaseMakesOthersWait(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	job := r.queued()[0]
	r.deliverCrashing(job, 1, StepGuarded)
	// While the crashed holder's lease lives, a delivery hands the job
	// back for later: a success, not a failure on the way to poison.
	if err := r.deliver(job, 2); err != nil {
		t.Fatalf("while the lease lives: %v", err)
	}
	if len(r.handedOn) != 1 || r.handedOn[0] != job {
		t.Fatalf("handed back: %+v", r.handedOn)
	}
	if n := len(r.graph.Double.IssuedTAPs(graphtest.Sam)); n != 0 {
		t.Errorf("%d passes minted by a worker without the lease", n)
	}
	if strings.Contains(r.logs.String(), `"outcome":"failed"`) {
		t.Error("a busy request was audited as a failure")
	}
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name, target, requestor, reason string
	}{
		{"global administrator", graphtest.Gina, graphtest.Mara, "directory role"},
		{"eligible admin", graphtest.Pia, graphtest.Mara, "eligible"},
		{"break-glass", graphtest.Bree, graphtest.Mara, "protected group"},
		{"no manager to deliver to", graphtest.Una, graphtest.Mara, "nobody to deliver"},
		{"self request", graphtest.Sam, graphtest.Sam, "their own reset"},
		{"unknown user", "30000000-0000-4000-8000-00000000dead", graphtest.Mara, "does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, graphdouble.Options{})
			before := r.graph.Double.Methods(tc.target)
			q := r.newRequest(tc.target, tc.requestor)
			r.callout(q)
			if p := r.drain(); p != 0 {
				t.Fatalf("%d poisoned", p)
			}
			r.assertFirstDelivery()
			if after := r.graph.Double.Methods(tc.target); len(after) != len(before) {
				t.Errorf("methods changed for a refused request: %d -> %d", len(before), len(after))
			}
			if n := r.graph.Double.CountRequests("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods"); n != 0 {
				t.Errorf("%d passes requested", n)
			}
			res := r.resumes(q.ID)
			if len(res) != 1 || res[0].Data["state"] != "denied" || !strings.Contains(detailOf(res[0]), tc.reason) {
				t.Fatalf("resume: %+v", res)
			}
			if rec := r.record(q); rec.Outcome != OutcomeRefused {
				t.Errorf("outcome %s", rec.Outcome)
			}
		})
	}
}

func TestThrottlingAndUnavailability(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.graph.Double.AddFault(graphdouble.Throttle("", "/v1.0/users/**", 4, "1"))
	r.graph.Double.AddFault(graphdouble.ServerError("DELETE", "/v1.0/users/*/authentication/**", 503, 3))
	r.graph.Double.AddFault(graphdouble.ServerError("POST", "/v1.0/users/*/revokeSignInSessions", 504, 2))
	q := r.approve(graphtest.Sam)
	r.assertFirstDelivery()
	assertReset(t, r, q)
	if len(r.graph.Waits()) < 4 {
		t.Errorf("retries waited %v", r.graph.Waits())
	}
}

// The pass POST applied on Graph but its answer was lost: no second pass
// is minted and none is delivered; the request is resumed with the reason.
func TestLostPassAnswerFailsClosed(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.graph.Double.AddFault(graphdouble.DropResponse("POST", "/v1.0/users/*/authentication/temporaryAccessPassMethods", 1))
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	if p := r.drain(); p != 0 {
		t.Fatalf("%d poisoned", p)
	}
	taps := r.graph.Double.IssuedTAPs(graphtest.Sam)
	if len(taps) != 1 || !taps[0].Deleted {
		t.Fatalf("passes: %+v (want the one unconfirmed pass, deleted)", taps)
	}
	if len(r.passMails(graphtest.Sam)) != 0 {
		t.Fatal("a pass was mailed")
	}
	res := r.resumes(q.ID)
	if len(res) != 1 || res[0].Data["state"] != "denied" || !strings.Contains(detailOf(res[0]), "did not confirm") {
		t.Fatalf("resume: %+v", res)
	}
	if rec := r.record(q); rec.Outcome != OutcomeFailed || rec.Step != StepDone {
		t.Errorf("record %+v", rec)
	}
}

// A job that keeps failing is resumed with the reason on its last
// delivery, audited, and left to the poison queue.
func TestRepeatedFailureResumesWithReasonThenPoison(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.graph.Double.AddFault(graphdouble.Fault{Method: "DELETE", Path: "/v1.0/users/*/authentication/fido2Methods/*",
		Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	if p := r.drain(); p != 1 {
		t.Fatalf("poisoned %d, want 1", p)
	}
	res := r.resumes(q.ID)
	if len(res) != 1 || !strings.Contains(detailOf(res[0]), "Insufficient privileges") || res[0].Data["state"] != "denied" {
		t.Fatalf("resume: %+v", res)
	}
	if !strings.Contains(r.logs.String(), `"outcome":"failed"`) || !strings.Contains(r.logs.String(), "Insufficient privileges") {
		t.Error("the reason is not in the audit log")
	}
	if n := len(r.graph.Double.IssuedTAPs(graphtest.Sam)); n != 0 {
		t.Errorf("%d passes minted for a failed reset", n)
	}
	if rec := r.record(q); rec.Step != StepDone || rec.Outcome != OutcomeFailed {
		t.Errorf("record %+v", rec)
	}
}

func TestBadCallouts(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	for name, body := range map[string]string{
		"malformed":   `{"AccessPackageAssignmentRequestId":`,
		"not a guid":  strings.Replace(string(q.body()), q.ID, "nope", 1),
		"wrong stage": strings.Replace(string(q.body()), "assignmentRequestApproved", "assignmentRequestRemoved", 1),
	} {
		req := hostRequest([]byte(body))
		if resp := r.intake.HTTP(t.Context(), req); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Body)
		}
	}
	if n := len(r.queued()); n != 0 {
		t.Errorf("%d jobs queued for bad callouts", n)
	}
	test := hostRequest([]byte(`{"Stage":"CustomExtensionConnectionTest"}`))
	if resp := r.intake.HTTP(t.Context(), test); resp.StatusCode != 200 || len(r.queued()) != 0 {
		t.Errorf("connection test: %d", resp.StatusCode)
	}
	if err := r.deliver(Job{}, 1); err == nil {
		t.Error("an empty job must fail")
	}
}

// Three deliveries of the same job at once (a redelivery and duplicates):
// one reset, one pass, one mail, one resume; the others hand the job back.
func TestConcurrentDeliveriesResetOnce(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	r.callout(q)
	job := r.queued()[0]
	var wg sync.WaitGroup
	for n := range 3 {
		wg.Go(func() {
			if err := r.deliver(job, int64(n+1)); err != nil {
				t.Errorf("delivery %d: %v", n, err)
			}
		})
	}
	wg.Wait()
	assertReset(t, r, q)
	t.Logf("%d deliveries found the request busy and handed it back", len(r.handedOn))
}

// Identical callouts arriving together queue exactly one job.
func TestConcurrentCalloutsQueueOnce(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	q := r.newRequest(graphtest.Sam, graphtest.Mara)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if s := r.callout(q); s != 202 {
				t.Errorf("callout: %d", s)
			}
		})
	}
	wg.Wait()
	if n := len(r.queued()); n != 1 {
		t.Fatalf("%d jobs queued, want 1", n)
	}
}
