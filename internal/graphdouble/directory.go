package graphdouble

import (
	"slices"
	"strings"
)

// userByKey finds a user by object id or userPrincipalName, both compared
// case-insensitively as Graph does.
func (t *Tenant) userByKey(key string) *User {
	if u := t.indexed(key); u != nil && (strings.EqualFold(u.ID, key) || strings.EqualFold(u.UserPrincipalName, key)) {
		return u
	}
	for _, u := range t.Users {
		if strings.EqualFold(u.ID, key) || strings.EqualFold(u.UserPrincipalName, key) {
			t.indexUsers()
			return u
		}
	}
	return nil
}

// indexUsers rebuilds the lookup index. The index is only a hint: it is
// dropped when the user list changed length or ends, and a hit is checked
// against the key, so tests that change users directly never see a stale
// answer. It keeps tenants of tens of thousands of users fast.
func (t *Tenant) indexUsers() {
	t.userIndex = make(map[string]*User, 2*len(t.Users))
	for _, u := range t.Users {
		t.userIndex[strings.ToLower(u.ID)] = u
		t.userIndex[strings.ToLower(u.UserPrincipalName)] = u
	}
	t.indexedUsers = usersMark{n: len(t.Users)}
	if n := len(t.Users); n > 0 {
		t.indexedUsers.first, t.indexedUsers.last = t.Users[0], t.Users[n-1]
	}
}

// indexed looks key up in the index if it still describes t.Users.
func (t *Tenant) indexed(key string) *User {
	m := t.indexedUsers
	if t.userIndex == nil || m.n != len(t.Users) || (m.n > 0 && (t.Users[0] != m.first || t.Users[m.n-1] != m.last)) {
		return nil
	}
	return t.userIndex[strings.ToLower(key)]
}

// usersMark is what the index was built over.
type usersMark struct {
	n           int
	first, last *User
}

func (t *Tenant) groupByID(id string) *Group {
	for _, g := range t.Groups {
		if strings.EqualFold(g.ID, id) {
			return g
		}
	}
	return nil
}

func (t *Tenant) userByID(id string) *User {
	if u := t.indexed(id); u != nil && strings.EqualFold(u.ID, id) {
		return u
	}
	for _, u := range t.Users {
		if strings.EqualFold(u.ID, id) {
			return u
		}
	}
	return nil
}

// object renders a user or group id as a polymorphic directoryObject with
// every modelled property; shape trims it to what the request asked for.
func (t *Tenant) object(id string) (map[string]any, bool) {
	if u := t.userByID(id); u != nil {
		return asDirectoryObject("user", renderUser(u)), true
	}
	if g := t.groupByID(id); g != nil {
		return asDirectoryObject("group", renderGroup(g)), true
	}
	return nil, false
}

func asDirectoryObject(kind string, obj map[string]any) map[string]any {
	obj["@odata.type"] = "#microsoft.graph." + kind
	return obj
}

// containsID reports whether ids holds id (case-insensitively).
func containsID(ids []string, id string) bool {
	return slices.ContainsFunc(ids, func(s string) bool { return strings.EqualFold(s, id) })
}

// transitiveGroups returns the groups principal belongs to, directly or
// through nested groups, in tenant order.
func (t *Tenant) transitiveGroups(principal string) []*Group {
	in := map[string]bool{strings.ToLower(principal): true}
	for changed := true; changed; {
		changed = false
		for _, g := range t.Groups {
			if in[strings.ToLower(g.ID)] {
				continue
			}
			for _, m := range g.Members {
				if in[strings.ToLower(m)] {
					in[strings.ToLower(g.ID)] = true
					changed = true
					break
				}
			}
		}
	}
	var out []*Group
	for _, g := range t.Groups {
		if in[strings.ToLower(g.ID)] {
			out = append(out, g)
		}
	}
	return out
}

// memberships lists the groups and directory roles of a principal, as
// memberOf (direct) or transitiveMemberOf (through nested groups too).
func (t *Tenant) memberships(principal string, transitive bool) []map[string]any {
	holders := []string{principal}
	var out []map[string]any
	if transitive {
		for _, g := range t.transitiveGroups(principal) {
			holders = append(holders, g.ID)
			out = append(out, asDirectoryObject("group", renderGroup(g)))
		}
	} else {
		for _, g := range t.Groups {
			if containsID(g.Members, principal) {
				out = append(out, asDirectoryObject("group", renderGroup(g)))
			}
		}
	}
	for _, r := range t.DirectoryRoles {
		if slices.ContainsFunc(holders, func(h string) bool { return containsID(r.Members, h) }) {
			out = append(out, asDirectoryObject("directoryRole", renderRole(r)))
		}
	}
	return out
}

// removeObject deletes a user or group from the tenant and from every
// membership, as deleting a directory object does.
func (t *Tenant) removeObject(id string) (kind, name string) {
	if u := t.userByID(id); u != nil {
		kind, name = "user", u.UserPrincipalName
		t.Users = slices.DeleteFunc(t.Users, func(x *User) bool { return x == u })
		for _, o := range t.Users {
			if strings.EqualFold(o.Manager, id) {
				o.Manager = ""
			}
		}
	} else if g := t.groupByID(id); g != nil {
		kind, name = "group", g.DisplayName
		t.Groups = slices.DeleteFunc(t.Groups, func(x *Group) bool { return x == g })
	} else {
		return "", ""
	}
	isID := func(s string) bool { return strings.EqualFold(s, id) }
	for _, g := range t.Groups {
		g.Members = slices.DeleteFunc(g.Members, isID)
	}
	for _, r := range t.DirectoryRoles {
		r.Members = slices.DeleteFunc(r.Members, isID)
	}
	return kind, name
}
