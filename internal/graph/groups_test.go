package graph_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	caGroup  = "20000000-0000-4000-8000-000000000003" // sandbox CA group, Nora is a member
	allStaff = "20000000-0000-4000-8000-000000000005"
	pace     = 2500 * time.Millisecond // graph.reportPace
)

// addUsers puts n generated users into group, straight into the tenant.
func addUsers(r *rig, group string, n int) []string {
	var ids []string
	r.double.Update(func(t *graphdouble.Tenant) {
		for i := range n {
			id := fmt.Sprintf("30000000-0000-4000-8000-%012d", i)
			ids = append(ids, id)
			t.Users = append(t.Users, &graphdouble.User{ID: id, UserPrincipalName: fmt.Sprintf("gen%d@contoso.example", i), AccountEnabled: true, UserType: "Member"})
		}
		for _, g := range t.Groups {
			if g.ID == group {
				g.Members = append(g.Members, ids...)
			}
		}
	})
	return ids
}

func TestListGroupMembersPagesAndKinds(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	gen := addUsers(r, caGroup, 2100)
	got, err := r.client.ListGroupMembers(ctx, caGroup)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2101 || got[0] != (directory.Member{ID: nora, Kind: directory.MemberUser, Type: "user"}) || got[2100].ID != gen[2099] {
		t.Fatalf("members: %d, first %+v", len(got), got[0])
	}
	if n := r.double.CountRequests("GET", "/v1.0/groups/*/members"); n != 3 {
		t.Errorf("pages: %d, want 3 of 999", n)
	}
	first := r.double.RequestsMatching("GET", "/v1.0/groups/*/members")[0]
	if first.Query.Get("$select") != "id" || first.Query.Get("$top") != "999" {
		t.Errorf("query %s", first.RawQuery)
	}
	nested, err := r.client.ListGroupMembers(ctx, protected)
	if err != nil || len(nested) != 1 || nested[0] != (directory.Member{ID: breakglass, Kind: directory.MemberGroup, Type: "group"}) {
		t.Errorf("nested group member: %+v %v", nested, err)
	}
}

// The $ref guard at the adapter: removal leaves the user object alone, is
// reported as ErrNotFound when repeated, and bad ids never reach Graph.
func TestRemoveGroupMemberOnlyThroughRef(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	if err := r.client.RemoveGroupMember(ctx, caGroup, nora); err != nil {
		t.Fatal(err)
	}
	if err := r.client.RemoveGroupMember(ctx, caGroup, nora); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("second removal: %v", err)
	}
	for _, bad := range []string{"", "../" + nora, nora + "/$ref", "x"} {
		if err := r.client.RemoveGroupMember(ctx, caGroup, bad); err == nil {
			t.Errorf("id %q accepted", bad)
		}
	}
	if _, ok := r.double.User(nora); !ok || len(r.double.DeletedObjects()) != 0 {
		t.Fatalf("a member removal deleted an object: %+v", r.double.DeletedObjects())
	}
	reqs := r.double.RequestsMatching("DELETE", "")
	if len(reqs) != 2 {
		t.Fatalf("requests: %v", reqs)
	}
	for _, q := range reqs {
		if q.Path != "/v1.0/groups/"+caGroup+"/members/"+nora+"/$ref" {
			t.Errorf("request %s", q)
		}
	}
	if slices.Contains(r.double.GroupMembers(caGroup), nora) {
		t.Error("still a member")
	}
}

func TestGroupAddAuditsReadsTheLog(t *testing.T) {
	clk := clock.New(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	r := newRig(t, graphdouble.Options{Now: clk.Now})
	ctx := context.Background()
	if err := r.client.AddGroupMember(ctx, caGroup, graphtest.Sam); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if err := r.client.AddGroupMember(ctx, caGroup, mara); err != nil {
		t.Fatal(err)
	}
	if err := r.client.AddGroupMember(ctx, allStaff, una); err != nil { // another group
		t.Fatal(err)
	}
	// Our group joining another group matches the filter too (it is a
	// target) but adds nobody to our group; a failed add adds nobody.
	r.double.AddAudit(addEntry(clk.Now(), "Group", caGroup, allStaff, "success"))
	r.double.AddAudit(addEntry(clk.Now(), "User", pia, caGroup, "failure"))
	since := clk.Now().Add(-2 * time.Hour)
	log, err := r.client.GroupAddAudits(ctx, caGroup, since)
	if err != nil {
		t.Fatal(err)
	}
	want := []directory.AddAudit{{MemberID: mara, At: clk.Now()}, {MemberID: graphtest.Sam, At: clk.Now().Add(-time.Hour)}}
	if !slices.Equal(log.Adds, want) || !log.Complete || log.Queries != 1 {
		t.Errorf("log %+v, want adds %+v", log, want)
	}
	q := r.double.RequestsMatching("GET", "/v1.0/auditLogs/directoryAudits")[0].Query
	wantFilter := "activityDisplayName eq 'Add member to group' and targetResources/any(t: t/id eq '" + caGroup +
		"') and activityDateTime ge 2026-03-02T07:00:00Z"
	if q.Get("$filter") != wantFilter || q.Get("$top") != "999" {
		t.Errorf("query %v", q)
	}
	if len(r.Waits()) != 0 {
		t.Errorf("one page needs no pacing: %v", r.Waits())
	}
}

// addEntry is an "Add member to group" entry: member (of memberType) added
// to parent, in Graph's shape (member first, the group in its properties).
func addEntry(at time.Time, memberType, member, parent, result string) graphdouble.DirectoryAudit {
	return graphdouble.DirectoryAudit{
		ActivityDateTime: at, ActivityDisplayName: "Add member to group", Category: "GroupManagement",
		LoggedByService: "Core Directory", OperationType: "Assign", Result: result,
		TargetResources: []graphdouble.TargetResource{
			{ID: member, Type: memberType, ModifiedProperties: []graphdouble.ModifiedProperty{{DisplayName: "Group.ObjectID", NewValue: `"` + parent + `"`}}},
			{ID: parent, Type: "Group"},
		},
	}
}

// More than one page is paced at four requests per 10 s, and a run reads
// at most ten pages: the reporting API allows five per 10 s per tenant.
func TestGroupAddAuditsPacedAndBounded(t *testing.T) {
	clk := clock.New(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	r := newRig(t, graphdouble.Options{Now: clk.Now})
	ctx := context.Background()
	r.double.Update(func(tn *graphdouble.Tenant) {
		for i := range 10500 {
			e := addEntry(clk.Now().Add(-time.Duration(i)*time.Second), "User", fmt.Sprintf("30000000-0000-4000-8000-%012d", i), caGroup, "success")
			e.ID = fmt.Sprintf("Directory_%d", i)
			tn.DirectoryAudits = append(tn.DirectoryAudits, &e)
		}
	})
	log, err := r.client.GroupAddAudits(ctx, caGroup, clk.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if log.Queries != 4 || !log.Complete || len(log.Adds) != 3601 {
		t.Errorf("an hour of adds: queries %d complete %v adds %d", log.Queries, log.Complete, len(log.Adds))
	}
	if w := r.Waits(); !slices.Equal(w, []time.Duration{pace, pace, pace}) {
		t.Errorf("waits %v", w)
	}
	r.double.ResetRequests()
	log, err = r.client.GroupAddAudits(ctx, caGroup, clk.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if log.Queries != 10 || log.Complete || len(log.Adds) != 9990 {
		t.Errorf("budget: queries %d complete %v adds %d", log.Queries, log.Complete, len(log.Adds))
	}
	if n := r.double.CountRequests("GET", "/v1.0/auditLogs/directoryAudits"); n != 10 {
		t.Errorf("requests %d", n)
	}
}

func TestGroupAddAuditsHonoursRetryAfter(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.double.AddFault(graphdouble.Throttle("GET", "/v1.0/auditLogs/directoryAudits", 2, "7"))
	log, err := r.client.GroupAddAudits(context.Background(), caGroup, time.Now().Add(-time.Hour))
	if err != nil || !log.Complete || log.Queries != 1 {
		t.Fatalf("log %+v %v", log, err)
	}
	if w := r.Waits(); !slices.Equal(w, []time.Duration{7 * time.Second, 7 * time.Second}) {
		t.Errorf("waits %v", w)
	}
	if _, err := r.client.GroupAddAudits(context.Background(), "not-a-guid' or true", time.Now()); err == nil || !strings.Contains(err.Error(), "not an object id") {
		t.Errorf("filter injection: %v", err)
	}
}
