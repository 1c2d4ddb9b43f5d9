package graphdouble

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
)

func membersPath(group string) string { return "/v1.0/groups/" + group + "/members" }

func ref(id string) map[string]any {
	return map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}
}

func TestMembersPagingTopAndSelect(t *testing.T) {
	f := newFixture(t, Options{})
	allStaff := "20000000-0000-4000-8000-000000000005"
	var got []string
	next := membersPath(allStaff) + "?$top=2&$select=id,userPrincipalName"
	for next != "" {
		r := f.expect(f.do("GET", next, nil), 200)
		for _, v := range r.values() {
			if v["@odata.type"] != "#microsoft.graph.user" || len(v) != 3 {
				t.Errorf("item %v", v)
			}
		}
		got = append(got, ids(r.values())...)
		next = r.str("@odata.nextLink")
		if next != "" {
			if u, _ := url.Parse(next); u.Query().Get("$top") != "2" || u.Query().Get("$skiptoken") == "" {
				t.Errorf("nextLink %s", next)
			}
		}
	}
	if !slices.Equal(got, []string{noraID, maraID, samID}) {
		t.Errorf("members %v", got)
	}
	f.expect(f.do("GET", membersPath(allStaff)+"?$top=1000", nil), 400)
	f.expect(f.do("GET", membersPath(allStaff)+"?$top=999", nil), 200)
	f.expect(f.do("GET", membersPath(allStaff)+"?$skiptoken=bogus", nil), 400)
	nested := f.expect(f.do("GET", membersPath(protected), nil), 200).values()
	if len(nested) != 1 || nested[0]["@odata.type"] != "#microsoft.graph.group" {
		t.Errorf("nested: %v", nested)
	}
	users := f.expect(f.do("GET", membersPath(protected)+"/microsoft.graph.user?$count=true", nil), 200).values()
	if len(users) != 0 {
		t.Errorf("cast kept a group: %v", users)
	}
}

func TestAddMemberRefWritesAudit(t *testing.T) {
	clk := clock.New(time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC))
	f := newFixture(t, Options{Now: clk.Now})
	f.expect(f.do("POST", membersPath(caTemp)+"/$ref", ref(samID)), 204)
	dup := f.expect(f.do("POST", membersPath(caTemp)+"/$ref", ref(samID)), 400)
	if dup.errorMessage() != "One or more added object references already exist for the following modified properties: 'members'." {
		t.Errorf("duplicate: %q", dup.errorMessage())
	}
	f.expect(f.do("POST", membersPath(caTemp)+"/$ref", ref("99999999-0000-4000-8000-000000000000")), 404)
	f.expect(f.do("POST", membersPath(caTemp)+"/$ref", map[string]any{"@odata.id": samID, "extra": 1}), 400)
	if !slices.Contains(f.d.GroupMembers(caTemp), samID) {
		t.Fatal("not added")
	}
	filter := "activityDisplayName eq 'Add member to group' and targetResources/any(t: t/id eq '" + caTemp +
		"') and activityDateTime ge 2026-02-01T07:00:00Z"
	r := f.expect(f.do("GET", "/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape(filter), nil), 200)
	v := r.values()
	if len(v) != 1 {
		t.Fatalf("audits: %s", r.raw)
	}
	targets := v[0]["targetResources"].([]any)
	user := targets[0].(map[string]any)
	if user["id"] != samID || user["type"] != "User" || user["userPrincipalName"] != "sam.six@contoso.example" ||
		v[0]["activityDateTime"] != "2026-02-01T08:00:00.0000000Z" || v[0]["loggedByService"] != "Core Directory" {
		t.Errorf("audit: %v", v[0])
	}
	later := "activityDateTime ge 2026-02-01T09:00:00Z"
	if n := len(f.expect(f.do("GET", "/v1.0/auditLogs/directoryAudits?$filter="+url.QueryEscape(later), nil), 200).values()); n != 0 {
		t.Errorf("time filter kept %d", n)
	}
}

func TestRemoveMemberRefKeepsUser(t *testing.T) {
	f := newFixture(t, Options{})
	f.expect(f.do("DELETE", membersPath(caTemp)+"/"+noraID+"/$ref", nil), 204)
	f.expect(f.do("DELETE", membersPath(caTemp)+"/"+noraID+"/$ref", nil), 404)
	if _, ok := f.d.User(noraID); !ok || len(f.d.GroupMembers(caTemp)) != 0 || len(f.d.DeletedObjects()) != 0 {
		t.Error("a $ref removal must only drop the membership")
	}
	// The SDK's other form: DELETE .../members/$ref?@id=...
	f.expect(f.do("POST", membersPath(caTemp)+"/$ref", ref(samID)), 204)
	q := url.Values{"@id": {"https://graph.microsoft.com/v1.0/directoryObjects/" + samID}}
	f.expect(f.do("DELETE", membersPath(caTemp)+"/$ref?"+q.Encode(), nil), 204)
	if len(f.d.GroupMembers(caTemp)) != 0 {
		t.Error("query-form removal failed")
	}
}

func TestDeleteMemberWithoutRefDeletesTheUser(t *testing.T) {
	f := newFixture(t, Options{})
	f.expect(f.do("DELETE", membersPath(caTemp)+"/"+noraID, nil), 204)
	if _, ok := f.d.User(noraID); ok {
		t.Fatal("user survived")
	}
	del := f.d.DeletedObjects()
	if len(del) != 1 || del[0].ID != noraID || del[0].Kind != "user" || del[0].Via != "DELETE /v1.0/groups/"+caTemp+"/members/"+noraID {
		t.Errorf("deleted: %+v", del)
	}
	f.expect(f.do("GET", "/v1.0/users/"+noraID, nil), 404)
	if slices.Contains(f.d.GroupMembers("20000000-0000-4000-8000-000000000005"), noraID) {
		t.Error("deleted user still in other groups")
	}
	if n := f.d.CountRequests("DELETE", "/v1.0/groups/*/members/*"); n != 1 {
		t.Errorf("count %d", n)
	}
	if n := f.d.CountRequests("DELETE", "/v1.0/groups/*/members/*/$ref"); n != 0 {
		t.Errorf("ref count %d", n)
	}
}
