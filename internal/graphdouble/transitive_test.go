package graphdouble

import (
	"slices"
	"testing"
)

// transitiveMembers lists nested members once each, casts keep one type,
// and a cycle of groups ends.
func TestTransitiveMembers(t *testing.T) {
	f := newFixture(t, Options{PageSize: 2})
	f.d.Update(func(tn *Tenant) {
		for _, gr := range tn.Groups {
			if gr.ID == breakGlass { // breakGlass is in protected; make a cycle and a duplicate
				gr.Members = append(gr.Members, protected, noraID)
			}
			if gr.ID == protected {
				gr.Members = append(gr.Members, noraID)
			}
		}
	})
	all := "/v1.0/groups/" + protected + "/transitiveMembers"
	first := f.expect(f.do("GET", all, nil), 200)
	second := f.expect(f.do("GET", first.str("@odata.nextLink"), nil), 200)
	got := append(ids(first.values()), ids(second.values())...)
	if want := []string{breakGlass, noraID, breeID}; !slices.Equal(got, want) || second.str("@odata.nextLink") != "" {
		t.Errorf("transitive members %v, want %v", got, want)
	}
	users := f.expect(f.do("GET", all+"/microsoft.graph.user?$select=id,userPrincipalName&$top=999&$count=true", nil), 200)
	if got := ids(users.values()); !slices.Equal(got, []string{noraID, breeID}) || users.values()[0]["userPrincipalName"] != "nora.new@contoso.example" {
		t.Errorf("users: %v", users.values())
	}
	f.expect(f.do("GET", "/v1.0/groups/"+protected+"/transitiveMembers?$select=nonsense", nil), 400)
	f.expect(f.do("GET", "/v1.0/groups/20000000-0000-4000-8000-0000000000ff/transitiveMembers", nil), 404)
}
