package fido2_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/hostsim"
)

// A job from the HTTP endpoint to registered keys: every page of the
// group, users only, disabled accounts, guests and protected accounts
// skipped and counted, one pending message per eligible user (a user in
// the group twice, directly and nested, counts once), every key
// registered, and the status saying so.
func TestJobToRegistered(t *testing.T) {
	r := newRig(t, rigOptions{double: graphdouble.Options{MaxPageSize: 2}})
	jobID := r.post(map[string]any{"groupId": cohort, "challengeTimeoutMinutes": 60, "displayNameTemplate": "{model} {serial}"})
	if res := r.drain("Fido2Job"); res.Failed != 0 || res.Invocations < 3 {
		t.Fatalf("expansion: %+v", res)
	}
	st := r.status(jobID)
	if st.Expanding || st.Counts.Pending != len(eligible) || st.Counts.Skipped != 3 || st.Counts.Failed != 0 {
		t.Fatalf("after expansion: %+v", st)
	}
	pending := r.pending()
	if err := sameSet(ids(pending), eligible); err != nil {
		t.Fatal(err)
	}
	for _, p := range pending {
		if p.ChallengeExpiresAt.Sub(time.Now()) < 55*time.Minute || p.Index < 1 || p.User.UPN == "" {
			t.Errorf("pending %+v", p)
		}
		r.write(p)
	}
	if res := r.drain("Fido2Register"); res.Failed != 0 || res.Succeeded != len(eligible) {
		t.Fatalf("registration: %+v", res)
	}
	st = r.status(jobID)
	if st.Counts.Registered != len(eligible) || st.Counts.Pending != 0 || st.Counts.Total != len(eligible)+3 {
		t.Errorf("final: %+v", st.Counts)
	}
	reasons := map[string]string{}
	for _, p := range st.Problems {
		reasons[p.UserID] = p.Reason
	}
	if reasons[disabled] != "account disabled" || reasons[graphtest.Greta] == "" ||
		!strings.Contains(reasons[graphtest.Gina], "protected account") {
		t.Errorf("skip reasons: %v", reasons)
	}
	for _, u := range eligible {
		if ms := r.fido2Methods(u); !slices.ContainsFunc(ms, func(m graphdouble.AuthMethod) bool { return m.DisplayName == "Soft Key 0001" }) {
			t.Errorf("%s has no new passkey: %+v", u, ms)
		}
	}
	if n := len(r.auditEvents(fido2.RegisterAction)); n != len(eligible) {
		t.Errorf("%d registration audit events, want one per key", n)
	}
}

// Deliveries of the same page, a re-run and a job message put on the
// queue twice never send a user's options twice.
func TestRedeliveryAndRerunDoNotDuplicate(t *testing.T) {
	r := newRig(t, rigOptions{})
	j := fido2msg.Job{JobID: "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", GroupID: cohort, ChallengeTimeoutMinutes: 30}
	r.sendJob(j)
	r.sendJob(j) // an admin's double submit, or a redelivery
	if res := r.drain("Fido2Job"); res.Failed != 0 {
		t.Fatalf("%+v", res)
	}
	if err := sameSet(ids(r.pending()), eligible); err != nil {
		t.Fatal(err)
	}
	resp := r.call("POST", "fido2/jobs/"+j.JobID+"/rerun", nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("rerun: %d %s", resp.StatusCode, resp.Body)
	}
	r.drain("Fido2Job")
	if again := r.pending(); len(again) != 0 {
		t.Errorf("a re-run resent options to users still pending: %v", ids(again))
	}
	if st := r.status(j.JobID); st.Run != 1 || st.Expanding || st.Counts.Pending != len(eligible) {
		t.Errorf("after the re-run: %+v", st)
	}
}

// A key written after its challenge expired is refused before Graph is
// asked; with FIDO2_REFRESH_EXPIRED the user gets fresh options.
func TestExpiredChallenge(t *testing.T) {
	for _, refresh := range []bool{false, true} {
		r := newRig(t, rigOptions{refreshExpired: refresh})
		jobID, p := r.writeOne(graphtest.Nora, 5)
		r.advance(6 * time.Minute)
		r.drain("Fido2Register")
		if n := r.graph.Double.CountRequests("POST", "/beta/users/*/authentication/fido2Methods") +
			r.graph.Double.CountRequests("POST", "/v1.0/users/*/authentication/fido2Methods"); n != 0 {
			t.Errorf("an expired key was posted %d times", n)
		}
		st := r.status(jobID)
		fresh := r.pending()
		switch {
		case !refresh && (st.Counts.Expired != 1 || len(fresh) != 0):
			t.Errorf("no refresh: %+v, %d fresh", st.Counts, len(fresh))
		case refresh && (st.Counts.Pending != 1 || len(fresh) != 1 || !fresh[0].ChallengeExpiresAt.After(p.ChallengeExpiresAt)):
			t.Errorf("refresh: %+v %+v, %d fresh", st.Counts, st.Problems, len(fresh))
		}
	}
}

// replaceExisting deletes the user's older passkeys only after the new one
// is registered.
func TestReplaceExistingDeletesAfterRegistering(t *testing.T) {
	r := newRig(t, rigOptions{})
	before := r.fido2Methods(graphtest.Sam)
	if len(before) == 0 {
		t.Fatal("sam should start with a passkey")
	}
	r.post(map[string]any{"userIds": []string{graphtest.Sam}, "challengeTimeoutMinutes": 60, "replaceExisting": true})
	r.drain("Fido2Job")
	r.write(r.pending()[0])
	if res := r.drain("Fido2Register"); res.Failed != 0 {
		t.Fatalf("%+v", res)
	}
	after := r.fido2Methods(graphtest.Sam)
	if len(after) != 1 || after[0].ID == before[0].ID {
		t.Fatalf("after: %+v", after)
	}
	var posted, deleted time.Time
	for _, q := range r.graph.Double.Requests() {
		switch {
		case q.Method == "POST" && strings.HasSuffix(q.Path, "/fido2Methods") && q.Status == http.StatusCreated:
			posted = q.Time
		case q.Method == "DELETE" && strings.Contains(q.Path, "/fido2Methods/"):
			deleted = q.Time
		}
	}
	if posted.IsZero() || deleted.IsZero() || !deleted.After(posted) {
		t.Errorf("registered at %v, deleted the old key at %v", posted, deleted)
	}
	if ev := r.auditEvents(fido2.ReplaceAction); len(ev) != 1 {
		t.Errorf("replace audit events: %v", ev)
	}
}

// Graph's refusal of a bad attestation is the user's failure reason; a
// result for a user the job never sent options to goes to poison.
func TestRefusedAndForgedResults(t *testing.T) {
	r := newRig(t, rigOptions{})
	jobID := r.post(map[string]any{"userIds": []string{graphtest.Nora, graphtest.Mara}, "challengeTimeoutMinutes": 60})
	r.drain("Fido2Job")
	for _, p := range r.pending() {
		if p.User.ID == graphtest.Nora {
			r.write(p, softkey.WrongOrigin)
		}
	}
	forged := fido2msg.NewResult(fido2msg.Result{JobID: jobID, UserID: graphtest.Gina, DisplayName: "x",
		Credential: fido2msg.Credential{ID: "AQID", ClientDataJSON: "e30", AttestationObject: "oA"}})
	r.sendResult(forged)
	r.drain("Fido2Register")
	st := r.status(jobID)
	if st.Counts.Failed != 1 || len(st.Problems) != 1 || !strings.Contains(st.Problems[0].Reason, "Graph refused") {
		t.Errorf("status: %+v", st)
	}
	if n := r.poisoned(fido2msg.QueueResults); n != 1 {
		t.Errorf("poisoned %d, want the forged result", n)
	}
}

// A user who joins the protected group between the creation options and
// the key is refused at registration: nothing is posted to Graph, the user
// is skipped with the reason, and the refusal is audited.
func TestProtectedAtRegistration(t *testing.T) {
	r := newRig(t, rigOptions{})
	jobID, _ := r.writeOne(graphtest.Nora, 60)
	r.graph.Double.Update(func(tn *graphdouble.Tenant) {
		for _, g := range tn.Groups {
			if g.ID == graphtest.ProtectedGroup {
				g.Members = append(g.Members, graphtest.Nora)
			}
		}
	})
	if res := r.drain("Fido2Register"); res.Failed != 0 {
		t.Fatalf("registration: %+v", res)
	}
	if n := len(r.graph.Double.FIDO2Registrations()); n != 0 {
		t.Errorf("%d keys registered for a protected account", n)
	}
	st := r.status(jobID)
	if st.Counts.Skipped != 1 || len(st.Problems) != 1 || !strings.Contains(st.Problems[0].Reason, "protected account at registration") {
		t.Errorf("status: %+v", st)
	}
	if ev := r.auditEvents(fido2.RegisterAction); len(ev) != 1 || ev[0]["audit"].(map[string]any)["outcome"] != "refused" {
		t.Errorf("audit: %v", ev)
	}
}

// Bad jobs are refused at the endpoint with every reason at once.
func TestEndpointValidates(t *testing.T) {
	r := newRig(t, rigOptions{})
	resp := r.call("POST", "fido2/jobs", map[string]any{"groupId": "everyone", "challengeTimeoutMinutes": 1})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(resp.Body), "groupId") ||
		!strings.Contains(string(resp.Body), "challengeTimeoutMinutes") {
		t.Errorf("%d %s", resp.StatusCode, resp.Body)
	}
	if resp := r.call("POST", "fido2/jobs", map[string]any{"groupId": cohort, "surprise": 1}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
	if resp := r.call("GET", "fido2/jobs/7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown job: %d", resp.StatusCode)
	}
}

// With FIDO2_ENABLED off, the endpoint answers 503 and queued jobs are
// refused into the poison queue, where they wait to be replayed.
func TestDisabledRefusesEverything(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.svc.Cfg.Disabled = true
	if resp := r.call("POST", "fido2/jobs", map[string]any{"groupId": cohort}); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST while off: %d", resp.StatusCode)
	}
	r.sendJob(fido2msg.Job{JobID: "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", GroupID: cohort, ChallengeTimeoutMinutes: 30})
	r.drain("Fido2Job")
	if n := r.poisoned(fido2msg.QueueJobs); n != 1 {
		t.Errorf("poisoned %d", n)
	}
	if n := r.graph.Double.CountRequests("", "/beta/**"); n != 0 {
		t.Errorf("%d beta calls while off", n)
	}
}

// Two instances draining fido2-jobs while the job was queued three times:
// each user's options are sent once. A delivery that finds a page held by
// the other instance hands its message back for later instead of failing.
func TestTwoInstancesOneJob(t *testing.T) {
	r := newRig(t, rigOptions{double: graphdouble.Options{MaxPageSize: 2}})
	r.graph.Double.SetLatency(20 * time.Millisecond)
	j := fido2msg.Job{JobID: "7a1e2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", GroupID: cohort, ChallengeTimeoutMinutes: 30}
	for range 3 {
		r.sendJob(j)
	}
	var wg sync.WaitGroup
	results := make([]hostsim.DrainResult, 2)
	for i := range results {
		wg.Go(func() { results[i] = r.drain("Fido2Job") })
	}
	wg.Wait()
	for _, res := range results {
		if res.Failed != 0 || res.Poisoned != 0 {
			t.Errorf("drain: %+v", res)
		}
	}
	if err := sameSet(ids(r.pending()), eligible); err != nil {
		t.Fatal(err)
	}
	if st := r.status(j.JobID); st.Expanding || st.Counts.Pending != len(eligible) || st.Counts.Total != len(eligible)+3 {
		t.Errorf("status %+v", st.Counts)
	}
}
