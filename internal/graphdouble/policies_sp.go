package graphdouble

import (
	"net/http"
	"slices"
	"strings"
)

// Service principals and application permissions (app role assignments),
// as tools/setup reads and grants them:
//   GET  /servicePrincipals?$filter=appId eq '…'   (serviceprincipal-list)
//   GET  /servicePrincipals/{id}                   (serviceprincipal-get)
//   GET  /servicePrincipals/{id}/appRoleAssignments (serviceprincipal-list-approleassignments)
//   POST /servicePrincipals/{id}/appRoleAssignments (serviceprincipal-post-approleassignments)
// https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments:
// the body's principalId is the client service principal, resourceId the
// resource's (Microsoft Graph's) service principal, appRoleId one of the
// resource's appRoles offered to applications.

// servicePrincipalProperties may be named in $select (the CSDL's
// servicePrincipal properties; contract-tested).
var servicePrincipalProperties = strings.Fields(`accountEnabled addIns alternativeNames appDescription
	appDisplayName appId applicationTemplateId appOwnerOrganizationId appRoleAssignmentRequired appRoles
	createdByAppId customSecurityAttributes deletedDateTime description disabledByMicrosoftStatus displayName
	homepage id info isDisabled keyCredentials loginUrl logoutUrl notes notificationEmailAddresses
	oauth2PermissionScopes passwordCredentials preferredSingleSignOnMode preferredTokenSigningKeyThumbprint
	replyUrls resourceSpecificApplicationPermissions samlSingleSignOnSettings servicePrincipalNames
	servicePrincipalType signInAudience tags tokenEncryptionKeyId verifiedPublisher`)

func renderServicePrincipal(sp *ServicePrincipal) map[string]any {
	roles := []map[string]any{}
	for _, r := range sp.AppRoles {
		roles = append(roles, map[string]any{
			"id": r.ID, "value": r.Value, "displayName": r.Value, "description": r.Value,
			"allowedMemberTypes": strSlice(r.AllowedMemberTypes), "isEnabled": !r.Disabled, "origin": "Application",
		})
	}
	return map[string]any{
		"id": sp.ID, "appId": sp.AppID, "displayName": strOrNil(sp.DisplayName),
		"appDisplayName": strOrNil(sp.DisplayName), "servicePrincipalType": strOrNil(sp.ServicePrincipalType),
		"accountEnabled": true, "appRoleAssignmentRequired": false, "appRoles": roles,
		"servicePrincipalNames": []string{sp.AppID}, "alternativeNames": []string{}, "tags": []string{},
		"keyCredentials": []any{}, "passwordCredentials": []any{}, "replyUrls": []string{},
		"oauth2PermissionScopes": []any{}, "notificationEmailAddresses": []string{}, "addIns": []any{},
		"resourceSpecificApplicationPermissions": []any{}, "deletedDateTime": nil,
	}
}

func listServicePrincipals(c *call) {
	c.t.Setup.ensureMicrosoftObjects()
	sel := c.selection()
	if !c.checkSelect(sel, g+"servicePrincipal", servicePrincipalProperties) {
		return
	}
	var items []map[string]any
	for _, sp := range c.t.Setup.ServicePrincipals {
		items = append(items, renderServicePrincipal(sp))
	}
	items, ok := c.filterItems(items)
	if !ok {
		return
	}
	for i := range items {
		items[i] = project(items[i], sel)
	}
	c.page(items, 999, "servicePrincipals")
}

func getServicePrincipal(c *call) {
	c.t.Setup.ensureMicrosoftObjects()
	sp := c.t.Setup.servicePrincipal(c.p["sp"])
	if sp == nil {
		c.notFound(c.p["sp"])
		return
	}
	sel := c.selection()
	if !c.checkSelect(sel, g+"servicePrincipal", servicePrincipalProperties) {
		return
	}
	c.entity(http.StatusOK, "servicePrincipals/$entity", project(renderServicePrincipal(sp), sel))
}

func (s *SetupState) renderAssignment(a *AppRoleAssignment) map[string]any {
	name := func(id string) any {
		if sp := s.servicePrincipal(id); sp != nil {
			return strOrNil(sp.DisplayName)
		}
		return nil
	}
	return map[string]any{
		"id": a.ID, "appRoleId": a.AppRoleID, "principalId": a.PrincipalID, "resourceId": a.ResourceID,
		"principalType": "ServicePrincipal", "principalDisplayName": name(a.PrincipalID),
		"resourceDisplayName": name(a.ResourceID), "createdDateTime": timeOrNil(a.CreatedDateTime),
		"deletedDateTime": nil,
	}
}

func listAppRoleAssignments(c *call) {
	c.t.Setup.ensureMicrosoftObjects()
	id := c.p["sp"]
	if c.t.Setup.servicePrincipal(id) == nil {
		c.notFound(id)
		return
	}
	items := []map[string]any{}
	for _, a := range c.t.Setup.AppRoleAssignments {
		if a.PrincipalID == id {
			items = append(items, c.t.Setup.renderAssignment(a))
		}
	}
	c.page(items, 999, "servicePrincipals('"+id+"')/appRoleAssignments")
}

func postAppRoleAssignment(c *call) {
	s := &c.t.Setup
	s.ensureMicrosoftObjects()
	principal := s.servicePrincipal(c.p["sp"])
	if principal == nil {
		c.notFound(c.p["sp"])
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	a := &AppRoleAssignment{AppRoleID: str(body["appRoleId"]), PrincipalID: str(body["principalId"]), ResourceID: str(body["resourceId"])}
	if msg := s.assignmentProblem(principal, a); msg != "" {
		c.fail(http.StatusBadRequest, "Request_BadRequest", msg)
		return
	}
	a.ID = strings.ReplaceAll(newID(), "-", "")
	a.CreatedDateTime = c.d.now()
	s.AppRoleAssignments = append(s.AppRoleAssignments, a)
	c.entity(http.StatusCreated, "servicePrincipals('"+principal.ID+"')/appRoleAssignments/$entity", s.renderAssignment(a))
}

// assignmentProblem returns Graph's reason to refuse the assignment, or "".
func (s *SetupState) assignmentProblem(principal *ServicePrincipal, a *AppRoleAssignment) string {
	if !strings.EqualFold(a.PrincipalID, principal.ID) {
		return "principalId must be the service principal the assignment is created on."
	}
	resource := s.servicePrincipal(a.ResourceID)
	if resource == nil {
		return "Invalid resourceId: no service principal '" + a.ResourceID + "'."
	}
	i := slices.IndexFunc(resource.AppRoles, func(r AppRole) bool { return strings.EqualFold(r.ID, a.AppRoleID) })
	if i < 0 || resource.AppRoles[i].Disabled || !slices.Contains(resource.AppRoles[i].AllowedMemberTypes, "Application") {
		return "Permission being assigned was not found on application '" + resource.AppID + "'."
	}
	for _, e := range s.AppRoleAssignments {
		if e.PrincipalID == a.PrincipalID && e.ResourceID == a.ResourceID && strings.EqualFold(e.AppRoleID, a.AppRoleID) {
			return "Permission being assigned already exists on the object"
		}
	}
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
