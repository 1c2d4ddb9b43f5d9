package graphdouble

import (
	"net/http"
	"sort"
)

// userDefaultProperties is what Graph returns for a user without $select;
// accountEnabled, userType and onPremisesExtensionAttributes need $select.
var userDefaultProperties = []string{"businessPhones", "displayName", "givenName", "id", "jobTitle",
	"mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}

func renderUser(u *User) map[string]any {
	return map[string]any{
		"id":                            u.ID,
		"userPrincipalName":             u.UserPrincipalName,
		"displayName":                   strOrNil(u.DisplayName),
		"givenName":                     strOrNil(u.GivenName),
		"surname":                       strOrNil(u.Surname),
		"jobTitle":                      strOrNil(u.JobTitle),
		"mail":                          strOrNil(u.Mail),
		"mobilePhone":                   strOrNil(u.MobilePhone),
		"officeLocation":                strOrNil(u.OfficeLocation),
		"preferredLanguage":             nil,
		"businessPhones":                strSlice(u.BusinessPhones),
		"accountEnabled":                u.AccountEnabled,
		"userType":                      u.UserType,
		"onPremisesExtensionAttributes": renderExtensionAttributes(u.OnPremisesExtensionAttributes),
	}
}

// userDefault is a user as Graph lists it without $select.
func userDefault(u *User) map[string]any {
	return project(renderUser(u), userDefaultProperties)
}

// renderExtensionAttributes always has all fifteen keys, unset ones null.
func renderExtensionAttributes(attrs map[string]string) map[string]any {
	out := map[string]any{}
	for _, n := range extensionAttributeNames {
		out[n] = strOrNil(attrs[n])
	}
	return out
}

// user resolves {user} (id or UPN), answering 404 when absent.
func (c *call) user() *User {
	key := c.p["user"]
	u := c.t.userByKey(key)
	if u == nil {
		c.notFound(key)
	}
	return u
}

func getUser(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	sel := c.selection()
	if sel != nil && !c.checkSelect(sel, "microsoft.graph.user", userProperties) {
		return
	}
	obj := renderUser(u)
	if sel == nil {
		sel = userDefaultProperties
	}
	c.entity(http.StatusOK, "users/$entity", project(obj, sel))
}

func getManager(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	m := c.t.userByID(u.Manager)
	if u.Manager == "" || m == nil {
		c.fail(http.StatusNotFound, "Request_ResourceNotFound",
			"Resource 'manager' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	sel := c.selection()
	if sel != nil && !c.checkSelect(sel, "microsoft.graph.user", userProperties) {
		return
	}
	obj := renderUser(m)
	if sel == nil {
		sel = userDefaultProperties
	}
	c.entity(http.StatusOK, "directoryObjects/$entity", asDirectoryObject("user", project(obj, sel)))
}

func listMemberOf(c *call)           { listMemberships(c, false) }
func listTransitiveMemberOf(c *call) { listMemberships(c, true) }

func listMemberships(c *call, transitive bool) {
	u := c.user()
	if u == nil {
		return
	}
	sel := c.selection()
	if sel != nil && !c.checkSelect(sel, "microsoft.graph.directoryObject", groupProperties, directoryRoleProperties) {
		return
	}
	items, ok := c.filterItems(c.t.memberships(u.ID, transitive))
	if !ok {
		return
	}
	for i := range items {
		items[i] = project(items[i], sel)
	}
	c.page(items, 999, "directoryObjects")
}

func revokeSignInSessions(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	u.RevokedSessions++
	c.json(http.StatusOK, map[string]any{
		"@odata.context": c.contextURL("Edm.Boolean"),
		"value":          true,
	})
}

func renderGroup(g *Group) map[string]any {
	return map[string]any{
		"id":                 g.ID,
		"displayName":        strOrNil(g.DisplayName),
		"description":        strOrNil(g.Description),
		"mail":               strOrNil(g.Mail),
		"mailNickname":       strOrNil(g.MailNickname),
		"mailEnabled":        g.MailEnabled,
		"securityEnabled":    g.SecurityEnabled,
		"groupTypes":         strSlice(g.GroupTypes),
		"isAssignableToRole": g.IsAssignableToRole,
		"deletedDateTime":    nil,
	}
}

func renderRole(r *DirectoryRole) map[string]any {
	return map[string]any{
		"id":              r.ID,
		"displayName":     strOrNil(r.DisplayName),
		"description":     strOrNil(r.Description),
		"roleTemplateId":  r.RoleTemplateID,
		"deletedDateTime": nil,
	}
}

// sortByTime orders rendered objects by a DateTimeOffset property.
func sortByTime(items []map[string]any, prop string, desc bool) {
	sort.SliceStable(items, func(i, j int) bool {
		a, _ := items[i][prop].(string)
		b, _ := items[j][prop].(string)
		if desc {
			return a > b
		}
		return a < b
	})
}
