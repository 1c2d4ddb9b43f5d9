package graphdouble

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Users of the seed added for the protection rules.
const (
	ivyID = "10000000-0000-4000-8000-0000000000c1" // PIM-eligible for membership of Helpdesk Admins
	eliID = "10000000-0000-4000-8000-0000000000c2" // member of Tier-1 Operators, a group eligible for a role
)

// Each case is a query Graph's documentation does not allow on that
// collection; the double must answer 400 Request_UnsupportedQuery.
func TestQueryRulesRefuseWhatGraphRefuses(t *testing.T) {
	f := newFixture(t, Options{})
	refused := []struct{ name, path string }{
		{"in on eligibility", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=" +
			url.QueryEscape("principalId in ('"+piaID+"','"+samID+"')")},
		{"undocumented property", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=" +
			url.QueryEscape("startDateTime ge 2026-01-01T00:00:00Z")},
		{"startswith on assignments", "/v1.0/roleManagement/directory/roleAssignments?$filter=" +
			url.QueryEscape("startswith(principalId, 'a')")},
		{"not on eligibility", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=" +
			url.QueryEscape("not(principalId eq '"+piaID+"')")},
		{"$orderby on eligibility", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$orderby=principalId"},
		{"unscoped PIM for Groups", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances"},
		{"PIM for Groups scoped by accessId only", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=" +
			url.QueryEscape("accessId eq 'member'")},
		{"$filter on the methods list", "/v1.0/users/" + samID + "/authentication/methods?$filter=" + url.QueryEscape("id eq 'x'")},
		{"$count on a single user", "/v1.0/users/" + samID + "?$count=true"},
		{"cast without advanced headers", "/v1.0/users/" + hankID + "/transitiveMemberOf/microsoft.graph.group"},
		{"ne without advanced headers", "/v1.0/users/" + hankID + "/transitiveMemberOf?$filter=" +
			url.QueryEscape("displayName ne 'x'")},
		{"audit filter on an undocumented property", "/v1.0/auditLogs/directoryAudits?$filter=" +
			url.QueryEscape("operationType eq 'Add'")},
		{"audit lambda with ne", "/v1.0/auditLogs/directoryAudits?$filter=" +
			url.QueryEscape("targetResources/any(t: t/id ne 'x')")},
	}
	for _, c := range refused {
		r := f.do("GET", c.path, nil)
		if r.status != http.StatusBadRequest || r.errorCode() != "Request_UnsupportedQuery" {
			t.Errorf("%s: %d %s, want 400 Request_UnsupportedQuery", c.name, r.status, r.raw)
		}
	}
}

func TestQueryRulesAcceptDocumentedQueries(t *testing.T) {
	f := newFixture(t, Options{})
	accepted := []string{
		"/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=" + url.QueryEscape("principalId eq '"+piaID+"'"),
		"/v1.0/roleManagement/directory/roleAssignments?$filter=" + url.QueryEscape("principalId in ('"+ginaID+"','"+helpdesk+"')"),
		"/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=" +
			url.QueryEscape("principalId eq '"+samID+"'"),
		"/v1.0/auditLogs/directoryAudits?$top=5&$filter=" + url.QueryEscape(
			"activityDisplayName eq 'Add member to group' and targetResources/any(t: t/id eq '"+caTemp+"') and activityDateTime ge 2026-01-01T00:00:00Z"),
		"/v1.0/users/" + hankID + "/transitiveMemberOf?$select=id,displayName,isAssignableToRole&$top=999",
		// Advanced queries with the header and $count=true (the fixture
		// adds ConsistencyLevel: eventual when $count=true is present).
		"/v1.0/users/" + hankID + "/transitiveMemberOf/microsoft.graph.group?$count=true",
		"/v1.0/users/" + hankID + "/transitiveMemberOf?$count=true&$filter=" + url.QueryEscape("displayName ne 'x'"),
	}
	for _, p := range accepted {
		f.expect(f.do("GET", p, nil), http.StatusOK)
	}
}

func TestAdvancedQueryNeedsBothHeaderAndCount(t *testing.T) {
	f := newFixture(t, Options{})
	path := "/v1.0/users/" + hankID + "/transitiveMemberOf/microsoft.graph.group"
	req := f.request("GET", path, nil)
	req.Header.Set("ConsistencyLevel", "eventual") // header, but no $count=true
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("header without $count: %d, want 400", resp.StatusCode)
	}
	r := f.expect(f.do("GET", path+"?$count=true", nil), http.StatusOK)
	if n, ok := r.body["@odata.count"].(float64); !ok || int(n) != len(r.values()) {
		t.Errorf("@odata.count = %v for %d items", r.body["@odata.count"], len(r.values()))
	}
}

func TestQueryRefusalNamesTheDocumentation(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.do("GET", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter="+
		url.QueryEscape("principalId in ('a')"), nil)
	if !strings.Contains(r.errorMessage(), docEligibility) || !strings.Contains(r.errorMessage(), "'in'") {
		t.Errorf("message %q should name the operator and the page", r.errorMessage())
	}
}

func TestGroupEligibilityByPrincipalAndGroup(t *testing.T) {
	f := newFixture(t, Options{})
	for _, filter := range []string{"principalId eq '" + ivyID + "'", "groupId eq '" + helpdesk + "'"} {
		v := f.expect(f.do("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter="+
			url.QueryEscape(filter), nil), http.StatusOK).values()
		if len(v) != 1 || v[0]["groupId"] != helpdesk || v[0]["accessId"] != "member" || v[0]["principalId"] != ivyID {
			t.Errorf("%s: %v", filter, v)
		}
	}
	none := f.expect(f.do("GET", "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter="+
		url.QueryEscape("principalId eq '"+samID+"'"), nil), http.StatusOK).values()
	if len(none) != 0 {
		t.Errorf("sam: %v", none)
	}
}

// TestRecordedQueriesAreDocumented walks every query shape the product
// sends (testdata/product-queries.txt, recorded from the whole test suite)
// through the route table and Graph's documented query rules.
func TestRecordedQueriesAreDocumented(t *testing.T) {
	shapes, err := ReadShapes("testdata/product-queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(shapes) < 5 {
		t.Fatalf("only %d recorded shapes: the recording is missing", len(shapes))
	}
	d := New(nil, Options{})
	for _, s := range shapes {
		if problem := d.CheckShape(s); problem != "" {
			t.Errorf("%s\n  Graph would refuse it: %s", s, problem)
		}
	}
}

func TestCheckShapeRefusesUndocumented(t *testing.T) {
	d := New(nil, Options{})
	for _, s := range []string{
		"GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId in ('x','x')&$select=id",
		"GET /v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group?$select=id",
		"GET /v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group?$count=true&$select=id",
		"GET /v1.0/nowhere?$top=1",
	} {
		if d.CheckShape(s) == "" {
			t.Errorf("accepted: %s", s)
		}
	}
	ok := "GET /v1.0/users/{user}/transitiveMemberOf/microsoft.graph.group?$count=true&$select=id [ConsistencyLevel: eventual]"
	if p := d.CheckShape(ok); p != "" {
		t.Errorf("refused %s: %s", ok, p)
	}
}

func TestQueryShapeNormalisesValues(t *testing.T) {
	f := newFixture(t, Options{})
	f.expect(f.do("GET", "/v1.0/auditLogs/directoryAudits?$top=5&$filter="+url.QueryEscape(
		"activityDisplayName eq 'Add member to group' and activityDateTime ge 2026-01-01T10:11:12.5Z"), nil), http.StatusOK)
	want := "GET /v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'x' and activityDateTime ge 2000-01-01T00:00:00Z&$top=5"
	if got := f.d.QueryShapes(); len(got) != 1 || got[0] != want {
		t.Errorf("shapes %q, want %q", got, want)
	}
}
