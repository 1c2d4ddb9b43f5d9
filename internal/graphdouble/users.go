package graphdouble

import (
	"net/http"
	"sort"
	"strings"
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
	obj = project(obj, sel)
	if !c.expandManager(u, obj) {
		return
	}
	c.entity(http.StatusOK, "users/$entity", obj)
}

// expandManager serves $expand=manager and manager($select=...), the one
// expansion our code may use; others are refused rather than ignored so a
// test never passes on data the double silently left out.
func (c *call) expandManager(u *User, obj map[string]any) bool {
	exp := strings.TrimSpace(c.r.URL.Query().Get("$expand"))
	if exp == "" {
		return true
	}
	name, opts, _ := strings.Cut(exp, "(")
	var sel []string
	if sq, ok := strings.CutPrefix(strings.TrimSuffix(opts, ")"), "$select="); ok {
		sel = strings.Split(sq, ",")
	}
	if !strings.EqualFold(strings.TrimSpace(name), "manager") || (opts != "" && sel == nil) {
		c.badRequest("graphdouble implements only $expand=manager and manager($select=...), not '" + exp + "'.")
		return false
	}
	if sel != nil && !c.checkSelect(sel, g+"user", userProperties) {
		return false
	}
	if m := c.t.userByID(u.Manager); m != nil {
		obj["manager"] = shape(asDirectoryObject("user", renderUser(m)), sel)
	}
	return true
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

// memberships serves memberOf / transitiveMemberOf and their casts
// (".../microsoft.graph.group"); cast "" lists every type.
func memberships(transitive bool, cast string) func(*call) {
	return func(c *call) {
		u := c.user()
		if u == nil {
			return
		}
		sel := c.selection()
		if sel != nil && !c.checkSelect(sel, castType(cast), groupProperties, directoryRoleProperties) {
			return
		}
		items := ofType(c.t.memberships(u.ID, transitive), cast)
		c.pageObjects(items, sel, castContext(cast, "directoryObjects"))
	}
}

// castType is the type a cast segment names, for error messages.
func castType(cast string) string {
	if cast == "" {
		return g + "directoryObject"
	}
	return g + cast
}

func castContext(cast, all string) string {
	if cast == "" {
		return all
	}
	return all + "/" + g + cast
}

// ofType keeps the items of one derived type ("" keeps all).
func ofType(items []map[string]any, cast string) []map[string]any {
	if cast == "" {
		return items
	}
	var out []map[string]any
	for _, it := range items {
		if it["@odata.type"] == "#"+g+cast {
			out = append(out, it)
		}
	}
	return out
}

// pageObjects filters, shapes and pages polymorphic directory objects.
func (c *call) pageObjects(items []map[string]any, sel []string, ctx string) {
	items, ok := c.filterItems(items)
	if !ok {
		return
	}
	for i := range items {
		items[i] = shape(items[i], sel)
	}
	c.page(items, 999, ctx)
}

// shape applies $select, or Graph's default property set for users.
func shape(obj map[string]any, sel []string) map[string]any {
	if sel == nil && obj["@odata.type"] == "#"+g+"user" {
		return project(obj, userDefaultProperties)
	}
	return project(obj, sel)
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
