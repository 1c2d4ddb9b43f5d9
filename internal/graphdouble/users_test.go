package graphdouble

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

func TestGetUserByIDAndUPN(t *testing.T) {
	f := newFixture(t, Options{})
	byID := f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 200)
	byUPN := f.expect(f.do("GET", "/v1.0/users/"+url.PathEscape("Nora.New@contoso.example"), nil), 200)
	if byID.str("id") != noraID || byUPN.str("id") != noraID {
		t.Fatalf("ids: %v / %v", byID.body["id"], byUPN.body["id"])
	}
	// Default property set: no accountEnabled or extension attributes.
	if _, ok := byID.body["accountEnabled"]; ok {
		t.Errorf("accountEnabled returned without $select")
	}
	if byID.str("userPrincipalName") != "nora.new@contoso.example" || byID.str("@odata.context") == "" {
		t.Errorf("body: %s", byID.raw)
	}
}

func TestGetUserSelect(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/"+noraID+"?$select=id,accountEnabled,userType,onPremisesExtensionAttributes", nil), 200)
	ext := r.body["onPremisesExtensionAttributes"].(map[string]any)
	if ext["extensionAttribute15"] != "+1 2065550101" || len(ext) != 15 || ext["extensionAttribute1"] != nil {
		t.Errorf("extension attributes: %v", ext)
	}
	if r.body["accountEnabled"] != true || r.str("userType") != "Member" {
		t.Errorf("body: %s", r.raw)
	}
	if _, ok := r.body["displayName"]; ok {
		t.Errorf("unselected displayName returned")
	}
	bad := f.expect(f.do("GET", "/v1.0/users/"+noraID+"?$select=extensionAttribute15", nil), 400)
	if bad.errorCode() != "BadRequest" {
		t.Errorf("code %q", bad.errorCode())
	}
}

func TestGetUserNotFound(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/nobody@contoso.example", nil), 404)
	if r.errorCode() != "Request_ResourceNotFound" {
		t.Errorf("code %q", r.errorCode())
	}
	inner := r.body["error"].(map[string]any)["innerError"].(map[string]any)
	if inner["request-id"] == "" || inner["date"] == "" {
		t.Errorf("innerError: %v", inner)
	}
}

func TestManager(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/"+noraID+"/manager", nil), 200)
	if r.str("@odata.type") != "#microsoft.graph.user" || r.str("mail") != "mara.manager@contoso.example" {
		t.Errorf("manager: %s", r.raw)
	}
	none := f.expect(f.do("GET", "/v1.0/users/"+unaID+"/manager", nil), 404)
	if none.errorCode() != "Request_ResourceNotFound" {
		t.Errorf("code %q", none.errorCode())
	}
	noMail := f.expect(f.do("GET", "/v1.0/users/"+petraID+"/manager?$select=id,mail", nil), 200)
	if noMail.str("id") != miloID || noMail.body["mail"] != nil {
		t.Errorf("manager without mail: %s", noMail.raw)
	}
}

func TestTransitiveMemberOfNestedGroupsAndRoles(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/"+breeID+"/transitiveMemberOf", nil), 200)
	if got := ids(r.values()); !slices.Equal(got, []string{breakGlass, protected}) {
		t.Errorf("bree: %v", got)
	}
	direct := f.expect(f.do("GET", "/v1.0/users/"+breeID+"/memberOf", nil), 200)
	if got := ids(direct.values()); !slices.Equal(got, []string{breakGlass}) {
		t.Errorf("bree direct: %v", got)
	}
	// A role held through a role-assignable group appears transitively.
	hank := f.expect(f.do("GET", "/v1.0/users/"+hankID+"/transitiveMemberOf", nil), 200).values()
	if len(hank) != 2 || hank[1]["@odata.type"] != "#microsoft.graph.directoryRole" ||
		hank[1]["roleTemplateId"] != "729827e3-9c14-49f7-bb1b-9608f156bbb8" {
		t.Errorf("hank: %v", hank)
	}
	gina := f.expect(f.do("GET", "/v1.0/users/"+ginaID+"/memberOf", nil), 200).values()
	if len(gina) != 1 || gina[0]["displayName"] != "Global Administrator" {
		t.Errorf("gina: %v", gina)
	}
}

func TestTransitiveMemberOfPaging(t *testing.T) {
	f := newFixture(t, Options{PageSize: 1})
	var got []string
	next := "/v1.0/users/" + breeID + "/transitiveMemberOf?$select=id,displayName"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := f.expect(f.do("GET", next, nil), 200)
		for _, v := range r.values() {
			if v["@odata.type"] != "#microsoft.graph.group" || len(v) != 3 {
				t.Errorf("item %v", v)
			}
		}
		got = append(got, ids(r.values())...)
		next = r.str("@odata.nextLink")
		if next != "" && next[:len(f.srv.URL)] != f.srv.URL {
			t.Fatalf("nextLink not absolute on our host: %s", next)
		}
	}
	if !slices.Equal(got, []string{breakGlass, protected}) {
		t.Errorf("paged: %v", got)
	}
}

func TestRevokeSignInSessions(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("POST", "/v1.0/users/"+samID+"/revokeSignInSessions", nil), 200)
	if r.body["value"] != true || r.str("@odata.context") == "" {
		t.Errorf("body %s", r.raw)
	}
	if n := f.d.RevokedSessions(samID); n != 1 {
		t.Errorf("revoked %d", n)
	}
}

func TestRoleFilters(t *testing.T) {
	f := newFixture(t, Options{})
	q := url.Values{"$filter": {"principalId eq '" + piaID + "'"}}
	r := f.expect(f.do("GET", "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?"+q.Encode(), nil), 200)
	if v := r.values(); len(v) != 1 || v[0]["roleDefinitionId"] != "7be44c8a-adaf-4e2a-84d6-ab2649e08a13" || v[0]["directoryScopeId"] != "/" {
		t.Errorf("eligibility: %s", r.raw)
	}
	q.Set("$filter", "principalId in ('"+ginaID+"','"+helpdesk+"')")
	a := f.expect(f.do("GET", "/v1.0/roleManagement/directory/roleAssignments?"+q.Encode(), nil), 200).values()
	if len(a) != 2 || a[0]["principalId"] != ginaID || a[1]["principalId"] != helpdesk {
		t.Errorf("assignments: %v", a)
	}
	q.Set("$filter", "principalId eq '"+samID+"'")
	if n := len(f.expect(f.do("GET", "/v1.0/roleManagement/directory/roleAssignments?"+q.Encode(), nil), 200).values()); n != 0 {
		t.Errorf("sam has %d assignments", n)
	}
	q.Set("$filter", "principalId has 'x'")
	f.expect(f.do("GET", "/v1.0/roleManagement/directory/roleAssignments?"+q.Encode(), nil), http.StatusBadRequest)
}

func TestExpandManagerAndCasts(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/"+noraID+"?$select=id&$expand=manager($select=id,mail)", nil), 200)
	m := r.body["manager"].(map[string]any)
	if m["mail"] != "mara.manager@contoso.example" || m["@odata.type"] != "#microsoft.graph.user" || len(r.body) != 3 {
		t.Errorf("expanded: %s", r.raw)
	}
	none := f.expect(f.do("GET", "/v1.0/users/"+unaID+"?$expand=manager", nil), 200)
	if _, ok := none.body["manager"]; ok {
		t.Errorf("manager invented: %s", none.raw)
	}
	f.expect(f.do("GET", "/v1.0/users/"+noraID+"?$expand=memberOf", nil), 400)
	roles := f.expect(f.do("GET", "/v1.0/users/"+hankID+"/transitiveMemberOf/microsoft.graph.directoryRole?$count=true", nil), 200).values()
	if len(roles) != 1 || roles[0]["displayName"] != "Helpdesk Administrator" {
		t.Errorf("roles: %v", roles)
	}
	groups := f.expect(f.do("GET", "/v1.0/users/"+hankID+"/memberOf/microsoft.graph.group?$count=true", nil), 200).values()
	if len(groups) != 1 || groups[0]["id"] != helpdesk {
		t.Errorf("groups: %v", groups)
	}
}

func TestMembersSelectReturnsRealValues(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/groups/"+caTemp+"/members?$select=id,accountEnabled,onPremisesExtensionAttributes", nil), 200)
	v := r.values()[0]
	if v["accountEnabled"] != true || v["onPremisesExtensionAttributes"].(map[string]any)["extensionAttribute15"] != "+1 2065550101" {
		t.Errorf("member: %v", v)
	}
}
