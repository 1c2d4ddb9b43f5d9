package graph_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	ivy     = "10000000-0000-4000-8000-0000000000c1" // PIM-eligible for membership of Helpdesk Admins
	tier1   = "20000000-0000-4000-8000-0000000000c1" // role-assignable group, eligible for a role
	unknown = "30000000-0000-4000-8000-000000000000"
)

const (
	eligibilityPath = "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances"
	assignmentsPath = "/v1.0/roleManagement/directory/roleAssignments"
)

func principals(grants []directory.RoleGrant) []string {
	var out []string
	for _, g := range grants {
		out = append(out, g.PrincipalID)
	}
	return out
}

func TestEligibleRolesOneEqQueryPerPrincipal(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	many := []string{nora, pia, tier1}
	for range 20 {
		many = append(many, unknown)
	}
	grants, err := r.client.EligibleRoles(ctx, many)
	if err != nil {
		t.Fatal(err)
	}
	if got := principals(grants); !slices.Contains(got, pia) || !slices.Contains(got, tier1) || len(got) != 2 {
		t.Errorf("grants for %v", got)
	}
	if n := r.double.CountRequests("GET", eligibilityPath); n != len(many) {
		t.Errorf("eligibility requests = %d, want one per principal (%d)", n, len(many))
	}
	for _, req := range r.double.Requests() {
		if f := req.Query.Get("$filter"); req.Path == eligibilityPath && !isEqFilter(f) {
			t.Errorf("filter %q is not principalId eq", f)
		}
	}
}

func isEqFilter(f string) bool {
	return len(f) > len("principalId eq ''") && f[:len("principalId eq '")] == "principalId eq '"
}

func TestAssignedRolesUsesDocumentedIn(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	ctx := context.Background()
	ids := []string{gina, helpdesk}
	for range 20 {
		ids = append(ids, unknown)
	}
	grants, err := r.client.AssignedRoles(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if got := principals(grants); !slices.Contains(got, gina) || !slices.Contains(got, helpdesk) {
		t.Errorf("grants for %v", got)
	}
	if n := r.double.CountRequests("GET", assignmentsPath); n != 2 {
		t.Errorf("assignment requests = %d, want 2 (22 principals, 15 per in clause)", n)
	}
}

// If Graph refuses `in` on role assignments (documented, but an
// independent simulator or a future Graph may not take it), the lookup
// falls back to one eq query per principal and still finds every grant.
func TestAssignedRolesFallBackOnUnsupportedQuery(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.double.AddFault(graphdouble.Fault{
		Method: http.MethodGet, Path: assignmentsPath, Count: 1, Status: http.StatusBadRequest,
		Code: "Request_UnsupportedQuery", Message: "Unsupported query.",
	})
	grants, err := r.client.AssignedRoles(context.Background(), []string{nora, gina, helpdesk})
	if err != nil {
		t.Fatal(err)
	}
	if got := principals(grants); !slices.Contains(got, gina) || !slices.Contains(got, helpdesk) {
		t.Errorf("grants after fallback: %v", got)
	}
	if n := r.double.CountRequests("GET", assignmentsPath); n != 1+3 {
		t.Errorf("requests = %d, want the refused in query and one per principal", n)
	}
}

func TestOtherBadRequestsDoNotFallBack(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	r.double.AddFault(graphdouble.Fault{Method: http.MethodGet, Path: assignmentsPath, Count: 1, Status: http.StatusBadRequest})
	_, err := r.client.AssignedRoles(context.Background(), []string{nora, gina})
	if err == nil || errors.Is(err, directory.ErrUnsupportedQuery) {
		t.Errorf("err = %v, want a plain bad request", err)
	}
}

func TestGroupEligibilities(t *testing.T) {
	r := newRig(t, graphdouble.Options{})
	got, err := r.client.GroupEligibilities(context.Background(), ivy)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].GroupID != helpdesk || got[0].AccessID != "member" {
		t.Errorf("ivy: %+v", got)
	}
	none, err := r.client.GroupEligibilities(context.Background(), nora)
	if err != nil || len(none) != 0 {
		t.Errorf("nora: %+v %v", none, err)
	}
}
