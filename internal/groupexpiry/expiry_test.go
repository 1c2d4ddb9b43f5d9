package groupexpiry_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

var summaryKeys = []string{"members", "users", "removed", "would_remove", "kept", "unknown", "errors", "audit_queries"}

// Windows from the ledger, from the audit log, and unknown: expired ones
// go, the others stay; a member re-added by hand counts from the newest add.
func TestWindowsFromLedgerAuditLogAndUnknown(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.join(caGroup, sam, mara, una, milo, petra) // Nora is already in
	r.recordJoin(nora, 4*time.Hour)              // ledger, over
	r.recordJoin(sam, time.Hour)                 // ledger, running
	r.auditJoin(caGroup, mara, 5*time.Hour)      // audit log, over
	r.auditJoin(caGroup, una, 30*time.Minute)    // audit log, running
	r.auditJoin(caGroup, petra, 6*time.Hour)     // re-added: the newest add counts
	r.auditJoin(caGroup, petra, time.Hour)
	r.auditJoin(helpdesk, milo, time.Hour) // another group: Milo stays unknown
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if got := r.members(); !maps.Equal(got, map[string]bool{sam: true, una: true, petra: true}) {
		t.Errorf("members after the run: %v", got)
	}
	if got := slices.Collect(maps.Keys(r.records())); !slices.Equal(got, []string{sam}) {
		t.Errorf("ledger records: %v, want only Sam's", got)
	}
	removed := byTarget(r.events("groupexpiry.remove"))
	for id, source := range map[string]string{nora: "ledger", mara: "audit-log", milo: "unknown"} {
		if e := removed[id]; e == nil || e["outcome"] != "succeeded" || e["window_source"] != source {
			t.Errorf("removal of %s: %v", id, e)
		}
	}
	if e := removed[nora]; e["window_start"] != "2026-03-02T08:00:00Z" || e["window_end"] != "2026-03-02T11:00:00Z" || e["reason"] != "window over" {
		t.Errorf("ledger removal event: %v", e)
	}
	want := map[string]int{"members": 6, "users": 6, "removed": 3, "would_remove": 0, "kept": 3, "unknown": 1, "errors": 0, "audit_queries": 1}
	if got := counts(r.summary(), summaryKeys...); !maps.Equal(got, want) {
		t.Errorf("summary %v, want %v", got, want)
	}
}

// At exactly start+window the window is over; a second before, it is not.
func TestExactBoundary(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.join(caGroup, sam, mara, una)
	r.recordJoin(nora, 3*time.Hour)
	r.recordJoin(sam, 3*time.Hour-time.Second)
	r.auditJoin(caGroup, mara, 3*time.Hour)
	r.auditJoin(caGroup, una, 3*time.Hour-time.Second)
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if got := r.members(); !maps.Equal(got, map[string]bool{sam: true, una: true}) {
		t.Errorf("members %v", got)
	}
}

func TestUnknownMemberPolicies(t *testing.T) {
	t.Run("keep", func(t *testing.T) {
		r := newRig(t, rigOptions{})
		r.timer.Cfg.UnknownMembers = config.UnknownKeep
		if err := r.run(); err != nil {
			t.Fatal(err)
		}
		if !r.members()[nora] || len(r.events("groupexpiry.remove")) != 0 {
			t.Error("an unknown member was removed under keep")
		}
		if c := counts(r.summary(), "unknown", "kept"); c["unknown"] != 1 || c["kept"] != 1 {
			t.Errorf("summary %v", c)
		}
	})
	t.Run("track", func(t *testing.T) {
		r := newRig(t, rigOptions{})
		r.timer.Cfg.UnknownMembers = config.UnknownTrack
		if err := r.run(); err != nil {
			t.Fatal(err)
		}
		rec := r.records()[nora]
		if !r.members()[nora] || rec == nil || !rec.AddedAt.Equal(t0) {
			t.Fatalf("first sight not recorded: %+v", rec)
		}
		r.clock.Advance(3 * time.Hour)
		if err := r.run(); err != nil {
			t.Fatal(err)
		}
		e := byTarget(r.events("groupexpiry.remove"))[nora]
		if r.members()[nora] || e["window_source"] != "first-seen" || len(r.records()) != 0 {
			t.Errorf("tracked member not removed when the window ended: %v", e)
		}
	})
}

// A nested group is reported every run and never removed, and its members
// (not direct members) are not even listed.
func TestNestedGroupReportedNotRemoved(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.join(caGroup, helpdesk)
	r.auditJoin(caGroup, helpdesk, 10*time.Hour)
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if !r.members()[helpdesk] || r.members()[nora] {
		t.Errorf("members %v: the group must stay, Nora (unknown) go", r.members())
	}
	e := byTarget(r.events("groupexpiry.member"))[helpdesk]
	if e["outcome"] != "reported" || e["member_type"] != "group" || !strings.Contains(e["reason"].(string), "nested group") {
		t.Errorf("nested group event: %v", e)
	}
	if c := counts(r.summary(), "nested_groups", "users", "members"); c["nested_groups"] != 1 || c["users"] != 1 || c["members"] != 2 {
		t.Errorf("summary %v", c)
	}
	if n := r.double.CountRequests("DELETE", "/v1.0/groups/*/members/"+helpdesk+"/**"); n != 0 {
		t.Errorf("%d requests to remove the nested group", n)
	}
}

// Report-only changes nothing: no Graph write, no ledger write.
func TestReportOnly(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.timer.Cfg.ReportOnly = true
	r.timer.Cfg.DeleteTAP = true
	r.join(caGroup, sam, mara)
	r.recordJoin(nora, 4*time.Hour)
	r.recordJoin(una, 5*time.Hour) // orphan: not in the group
	r.auditJoin(caGroup, sam, 4*time.Hour)
	r.timer.Cfg.UnknownMembers = config.UnknownTrack // Mara would be tracked
	before := r.records()
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	for _, q := range r.double.Requests() {
		if q.Method != http.MethodGet {
			t.Errorf("report-only wrote: %s", q)
		}
	}
	if n := r.double.CountRequests("GET", "/v1.0/users/**"); n != 0 {
		t.Errorf("report-only read methods %d times", n)
	}
	if got := r.records(); !maps.Equal(maps.Collect(keys(got)), maps.Collect(keys(before))) {
		t.Errorf("ledger changed: %v", got)
	}
	ev := byTarget(r.events("groupexpiry.remove"))
	if len(ev) != 2 || ev[nora]["outcome"] != "reported" || ev[sam]["outcome"] != "reported" ||
		!strings.HasPrefix(ev[nora]["reason"].(string), "report-only, would remove") {
		t.Errorf("events %v", ev)
	}
	want := map[string]int{"members": 3, "users": 3, "removed": 0, "would_remove": 2, "kept": 0, "unknown": 1, "errors": 0, "audit_queries": 1}
	if got := counts(r.summary(), summaryKeys...); !maps.Equal(got, want) {
		t.Errorf("summary %v, want %v", got, want)
	}
}

func keys[V any](m map[string]V) func(func(string, bool) bool) {
	return func(yield func(string, bool) bool) {
		for k := range m {
			if !yield(k, true) {
				return
			}
		}
	}
}

// A burst of 429s on every kind of call is waited out (Retry-After) and the
// run still finishes everything.
func TestThrottlingBurst(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.join(caGroup, sam, mara, una)
	for _, u := range []string{nora, sam, mara} {
		r.recordJoin(u, 4*time.Hour)
	}
	r.auditJoin(caGroup, una, 4*time.Hour)
	r.double.AddFault(graphdouble.Throttle("GET", "/v1.0/groups/*/members", 2, "2"))
	r.double.AddFault(graphdouble.Throttle("GET", "/v1.0/auditLogs/directoryAudits", 1, "9"))
	r.double.AddFault(graphdouble.Throttle("DELETE", "/v1.0/groups/*/members/*/$ref", 5, "1"))
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if len(r.members()) != 0 || len(r.records()) != 0 {
		t.Errorf("left: members %v records %v", r.members(), r.records())
	}
	w := r.recordedWaits()
	if slices.Index(w, 2*time.Second) < 0 || slices.Index(w, 9*time.Second) < 0 || len(w) != 2+1+5 {
		t.Errorf("waits %v: want each Retry-After honoured", w)
	}
	if n := r.double.CountRequests("DELETE", "/v1.0/groups/*/members/*/$ref"); n != 4+5 {
		t.Errorf("removal requests %d", n)
	}
}

// A second run finds nothing to do; a member already gone when we remove
// it counts as done, not as an error.
func TestIdempotentRerun(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.join(caGroup, sam)
	r.recordJoin(nora, 4*time.Hour)
	r.recordJoin(sam, 4*time.Hour)
	// Sam leaves between our list and our DELETE (the access package's expiry).
	r.double.AddFault(graphdouble.Fault{Method: "DELETE", Path: "/v1.0/groups/*/members/" + sam + "/$ref", Count: 1,
		Status: http.StatusNotFound, Code: "Request_ResourceNotFound", Message: "Resource '" + sam + "' does not exist."})
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if e := byTarget(r.events("groupexpiry.remove"))[sam]; e["outcome"] != "succeeded" || e["already_absent"] != true {
		t.Errorf("absent member: %v", e)
	}
	if len(r.records()) != 0 {
		t.Errorf("records left: %v", r.records())
	}
	r.double.Update(func(t *graphdouble.Tenant) { // what the access package did
		for _, g := range t.Groups {
			if g.ID == caGroup {
				g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return id == sam })
			}
		}
	})
	r.double.ResetRequests()
	r.clock.Advance(15 * time.Minute)
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if reqs := r.double.Requests(); len(reqs) != 1 || reqs[0].Method != "GET" {
		t.Errorf("second run made %v, want one members page", reqs)
	}
	if c := counts(r.summary(), "members", "removed", "errors"); c["members"] != 0 || c["removed"] != 0 || c["errors"] != 0 {
		t.Errorf("second summary %v", c)
	}
}

// A removal Graph refuses is audited, the run fails, the ledger record
// stays, and the next run removes the member.
func TestFailedRemovalRetriedNextRun(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.recordJoin(nora, 4*time.Hour)
	r.double.AddFault(graphdouble.Fault{Method: "DELETE", Path: "/v1.0/groups/**", Count: 1, Status: http.StatusForbidden,
		Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."})
	if err := r.run(); err == nil || !strings.Contains(err.Error(), "1 action(s) failed") {
		t.Fatalf("first run: %v", err)
	}
	if !r.members()[nora] || r.records()[nora] == nil {
		t.Fatal("a failed removal must leave the member and the record for the next run")
	}
	if e := byTarget(r.events("groupexpiry.remove"))[nora]; e["outcome"] != "failed" || !strings.Contains(e["reason"].(string), "Insufficient privileges") {
		t.Errorf("failure event %v", e)
	}
	r.clock.Advance(15 * time.Minute)
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if r.members()[nora] || len(r.records()) != 0 {
		t.Error("not removed by the next run")
	}
}

// Without the audit log, members not in the ledger are left for the next
// run (never treated as unknown); ledger decisions still apply.
func TestAuditLogUnavailable(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.join(caGroup, sam)
	r.recordJoin(sam, 4*time.Hour)
	r.double.AddFault(graphdouble.Fault{Method: "GET", Path: "/v1.0/auditLogs/directoryAudits", Status: http.StatusForbidden,
		Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."})
	if err := r.run(); err == nil {
		t.Fatal("want the run to fail")
	}
	if !r.members()[nora] || r.members()[sam] {
		t.Errorf("members %v: Nora (undetermined) stays, Sam (ledger, over) goes", r.members())
	}
	if c := counts(r.summary(), "undetermined", "unknown", "removed", "errors"); c["undetermined"] != 1 || c["unknown"] != 0 || c["removed"] != 1 || c["errors"] != 1 {
		t.Errorf("summary %v", c)
	}
}

// With CA_GROUP_EXPIRY_DELETE_TAP, a removed user's pass goes, other
// methods stay; a record whose user left the group some other way is
// cleared (with the pass) once its window is over, a younger one stays.
func TestDeleteRemainingPassAndOrphans(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.timer.Cfg.DeleteTAP = true
	r.recordJoin(nora, 4*time.Hour)
	r.recordJoin(sam, 4*time.Hour)  // orphan, over
	r.recordJoin(mara, 1*time.Hour) // orphan, running: maybe a join Graph does not list yet
	for _, u := range []string{nora, sam} {
		if _, err := r.double.AddMethod(u, graphdouble.AuthMethod{Type: graphdouble.MethodTemporaryAccessPass, LifetimeInMinutes: 60}); err != nil {
			t.Fatal(err)
		}
	}
	samMethods := len(r.double.Methods(sam))
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{nora, sam} {
		for _, m := range r.double.Methods(u) {
			if m.Type == graphdouble.MethodTemporaryAccessPass {
				t.Errorf("%s still has a pass", u)
			}
		}
	}
	if n := len(r.double.Methods(sam)); n != samMethods-1 {
		t.Errorf("sam has %d methods, want %d", n, samMethods-1)
	}
	if got := slices.Collect(maps.Keys(r.records())); !slices.Equal(got, []string{mara}) {
		t.Errorf("records %v, want Mara's only", got)
	}
	if c := counts(r.summary(), "passes_deleted", "ledger_orphans_cleared"); c["passes_deleted"] != 2 || c["ledger_orphans_cleared"] != 1 {
		t.Errorf("summary %v", c)
	}
	if len(r.events("groupexpiry.tap")) != 2 {
		t.Errorf("tap events %v", r.events("groupexpiry.tap"))
	}
}

// A pass that cannot be deleted is retried next run, even for a member
// whose join time came from the audit log (no ledger record to keep).
func TestPassDeletionRetried(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.timer.Cfg.DeleteTAP = true
	r.auditJoin(caGroup, nora, 4*time.Hour)
	if _, err := r.double.AddMethod(nora, graphdouble.AuthMethod{Type: graphdouble.MethodTemporaryAccessPass, LifetimeInMinutes: 60}); err != nil {
		t.Fatal(err)
	}
	r.double.AddFault(graphdouble.ServerError("DELETE", "/v1.0/users/*/authentication/temporaryAccessPassMethods/*", http.StatusInternalServerError, 1))
	if err := r.run(); err == nil {
		t.Fatal("want the run to report the failed pass deletion")
	}
	if r.members()[nora] || r.records()[nora] == nil {
		t.Fatal("removed, and a record must remain for the retry")
	}
	r.clock.Advance(15 * time.Minute)
	if err := r.run(); err != nil {
		t.Fatal(err)
	}
	if len(r.double.Methods(nora)) != 0 || len(r.records()) != 0 {
		t.Errorf("methods %v records %v", r.double.Methods(nora), r.records())
	}
}

func TestPastDueRunsNormally(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.recordJoin(nora, 4*time.Hour)
	err := r.timer.Run(context.Background(), &host.TimerInfo{IsPastDue: true, Last: t0.Add(-2 * time.Hour), Next: t0.Add(time.Minute)})
	if err != nil || r.members()[nora] {
		t.Fatalf("past-due run: %v, members %v", err, r.members())
	}
	if r.summary()["past_due"] != true || !strings.Contains(r.logs.String(), "past due") {
		t.Error("past-due run not reported")
	}
}

func TestNoGroupConfigured(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.timer.GroupID = ""
	if err := r.run(); err != nil || len(r.double.Requests()) != 0 {
		t.Fatalf("err %v, requests %v", err, r.double.Requests())
	}
}
