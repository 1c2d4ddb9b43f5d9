package graphdouble

import (
	"net/http"
	"strings"
)

// transitiveMemberRoutes serve GET /groups/{id}/transitiveMembers and its
// user and group casts (learn.microsoft.com/graph/api/group-list-transitivemembers):
// every member of the group and of the groups nested in it, each once.
func transitiveMemberRoutes() []*route {
	var rs []*route
	for _, cast := range []string{"", "user", "group"} {
		suffix, typ := "", g+"directoryObject"
		if cast != "" {
			suffix, typ = "/"+g+cast, g+cast
		}
		rs = append(rs, newRoute(http.MethodGet, v1+"/groups/{group}/transitiveMembers"+suffix,
			transitiveMembers(cast), "Collection("+typ+")", ""))
	}
	return rs
}

func transitiveMembers(cast string) func(*call) {
	return groupObjects(cast, (*Tenant).transitiveMemberIDs)
}

// groupObjects pages the objects list names for the group in {group}, as
// polymorphic directoryObjects or, with a cast, one type of them.
func groupObjects(cast string, list func(*Tenant, *Group) []string) func(*call) {
	return func(c *call) {
		gr := c.group()
		if gr == nil {
			return
		}
		sel := c.selection()
		if sel != nil && !c.checkSelect(sel, castType(cast), userProperties, groupProperties) {
			return
		}
		var items []map[string]any
		for _, id := range list(c.t, gr) {
			if obj, ok := c.t.object(id); ok {
				items = append(items, obj)
			}
		}
		c.pageObjects(ofType(items, cast), sel, castContext(cast, "directoryObjects"))
	}
}

// transitiveMemberIDs walks nested groups breadth first, in member order,
// listing each object once; a group nested in itself ends the walk.
func (t *Tenant) transitiveMemberIDs(root *Group) []string {
	seen := map[string]bool{strings.ToLower(root.ID): true}
	var out []string
	queue := []*Group{root}
	for len(queue) > 0 {
		gr := queue[0]
		queue = queue[1:]
		for _, id := range gr.Members {
			key := strings.ToLower(id)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, id)
			if nested := t.groupByID(id); nested != nil {
				queue = append(queue, nested)
			}
		}
	}
	return out
}
