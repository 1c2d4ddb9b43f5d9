package graphdouble

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// group resolves {group}, answering 404 when absent.
func (c *call) group() *Group {
	gr := c.t.groupByID(c.p["group"])
	if gr == nil {
		c.notFound(c.p["group"])
	}
	return gr
}

func getGroup(c *call) {
	gr := c.group()
	if gr == nil {
		return
	}
	sel := c.selection()
	if sel != nil && !c.checkSelect(sel, "microsoft.graph.group", groupProperties) {
		return
	}
	c.entity(http.StatusOK, "groups/$entity", project(renderGroup(gr), sel))
}

// members pages a group's direct members as polymorphic directoryObjects,
// or one type of them for the ".../members/microsoft.graph.user" casts.
func members(cast string) func(*call) {
	return groupObjects(cast, func(_ *Tenant, gr *Group) []string { return gr.Members })
}

// addMemberRef is POST /groups/{id}/members/$ref.
func addMemberRef(c *call) {
	gr := c.group()
	if gr == nil {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	ref, _ := body["@odata.id"].(string)
	id := refID(ref)
	if _, exists := c.t.object(id); !exists {
		c.notFound(id)
		return
	}
	if containsID(gr.Members, id) {
		c.fail(http.StatusBadRequest, "Request_BadRequest",
			"One or more added object references already exist for the following modified properties: 'members'.")
		return
	}
	gr.Members = append(gr.Members, id)
	c.auditMembership("Add member to group", gr, id)
	c.noContent()
}

// refID takes the object id from an @odata.id URL such as
// https://graph.microsoft.com/v1.0/directoryObjects/{id}.
func refID(ref string) string {
	if u, err := url.Parse(ref); err == nil && u.Path != "" {
		ref = u.Path
	}
	return path.Base(strings.TrimRight(ref, "/"))
}

// removeMemberRef is DELETE /groups/{id}/members/{id}/$ref: the member
// leaves the group, the object stays.
func removeMemberRef(c *call) {
	c.removeMember(c.p["member"])
}

// removeMemberRefQuery is the SDK's other form,
// DELETE /groups/{id}/members/$ref?@id={url} (also $id).
func removeMemberRefQuery(c *call) {
	q := c.r.URL.Query()
	ref := q.Get("@id")
	if ref == "" {
		ref = q.Get("$id")
	}
	if ref == "" {
		c.badRequest("The $ref delete request requires an @id or $id query option.")
		return
	}
	c.removeMember(refID(ref))
}

func (c *call) removeMember(id string) {
	gr := c.group()
	if gr == nil {
		return
	}
	if !containsID(gr.Members, id) {
		c.notFound(id)
		return
	}
	gr.Members = deleteID(gr.Members, id)
	c.auditMembership("Remove member from group", gr, id)
	c.noContent()
}

// deleteMemberObject is DELETE /groups/{id}/members/{id} WITHOUT /$ref.
// Graph treats it as deleting the member object itself when the app may
// manage that object type, so the double deletes the user or group from
// the tenant and records it in DeletedObjects: tests assert that list
// stays empty.
func deleteMemberObject(c *call) {
	gr := c.group()
	if gr == nil {
		return
	}
	id := c.p["member"]
	if !containsID(gr.Members, id) {
		c.notFound(id)
		return
	}
	kind, name := c.t.removeObject(id)
	c.t.DeletedObjects = append(c.t.DeletedObjects, DeletedObject{
		Time: c.d.now(), ID: id, Kind: kind, Name: name, Via: "DELETE " + c.r.URL.Path,
	})
	c.audit("Delete "+kind, "UserManagement", "Delete", TargetResource{ID: id, Type: strings.ToUpper(kind[:1]) + kind[1:], UserPrincipalName: upnIf(kind, name)})
	c.noContent()
}

func upnIf(kind, name string) string {
	if kind == "user" {
		return name
	}
	return ""
}

func deleteID(ids []string, id string) []string {
	out := ids[:0]
	for _, x := range ids {
		if !strings.EqualFold(x, id) {
			out = append(out, x)
		}
	}
	return out
}

// auditMembership writes the entry Graph logs for a membership change:
// the member first (with the group in modifiedProperties), then the group.
func (c *call) auditMembership(activity string, gr *Group, member string) {
	target := TargetResource{ID: member, Type: "User"}
	if u := c.t.userByID(member); u != nil {
		target.UserPrincipalName = u.UserPrincipalName
	} else if mg := c.t.groupByID(member); mg != nil {
		target.Type, target.DisplayName = "Group", mg.DisplayName
	}
	key := "NewValue"
	if strings.HasPrefix(activity, "Remove") {
		key = "OldValue"
	}
	target.ModifiedProperties = []ModifiedProperty{
		groupProp("Group.ObjectID", gr.ID, key),
		groupProp("Group.DisplayName", gr.DisplayName, key),
	}
	c.audit(activity, "GroupManagement", map[bool]string{true: "Assign", false: "Unassign"}[key == "NewValue"],
		target, TargetResource{ID: gr.ID, Type: "Group", DisplayName: gr.DisplayName})
}

func groupProp(name, value, key string) ModifiedProperty {
	p := ModifiedProperty{DisplayName: name}
	quoted := fmt.Sprintf("%q", value)
	if key == "NewValue" {
		p.NewValue = quoted
	} else {
		p.OldValue = quoted
	}
	return p
}
