package graphdouble

import "strings"

// PIM eligibility and active role assignments, read through the unified
// role management API with $filter=principalId eq/in.

func listRoleEligibilityInstances(c *call) {
	var items []map[string]any
	for _, e := range c.t.RoleEligibilities {
		items = append(items, map[string]any{
			"id":                        e.ID,
			"principalId":               e.PrincipalID,
			"roleDefinitionId":          e.RoleDefinitionID,
			"directoryScopeId":          e.DirectoryScopeID,
			"appScopeId":                nil,
			"startDateTime":             timeOrNil(e.StartDateTime),
			"endDateTime":               timeOrNil(e.EndDateTime),
			"memberType":                "Direct",
			"roleEligibilityScheduleId": e.ID,
		})
	}
	listRoleItems(c, items, "roleManagement/directory/roleEligibilityScheduleInstances")
}

// listGroupEligibilityInstances is PIM for Groups: eligibilities to
// activate membership or ownership of a group. The query rules require a
// principalId or groupId filter, as Graph does.
func listGroupEligibilityInstances(c *call) {
	var items []map[string]any
	for _, e := range c.t.GroupEligibilities {
		items = append(items, map[string]any{
			"id":                    e.ID,
			"principalId":           e.PrincipalID,
			"groupId":               e.GroupID,
			"accessId":              e.AccessID,
			"memberType":            "direct",
			"eligibilityScheduleId": e.ID,
			"startDateTime":         timeOrNil(e.StartDateTime),
			"endDateTime":           timeOrNil(e.EndDateTime),
		})
	}
	listRoleItems(c, items, "identityGovernance/privilegedAccess/group/eligibilityScheduleInstances")
}

// listRoleAssignments derives active assignments from directory role
// members: the role definition id of a built-in role is its template id.
func listRoleAssignments(c *call) {
	var items []map[string]any
	for _, r := range c.t.DirectoryRoles {
		for _, m := range r.Members {
			items = append(items, map[string]any{
				"id":               assignmentID(r.RoleTemplateID, m),
				"principalId":      m,
				"roleDefinitionId": r.RoleTemplateID,
				"directoryScopeId": "/",
				"appScopeId":       nil,
				"condition":        nil,
			})
		}
	}
	listRoleItems(c, items, "roleManagement/directory/roleAssignments")
}

// assignmentID is stable per (role, principal) like Graph's ids.
func assignmentID(roleTemplateID, principal string) string {
	return strings.ReplaceAll(roleTemplateID+"_"+principal, "-", "")
}

func listRoleItems(c *call, items []map[string]any, ctx string) {
	items, ok := c.filterItems(items)
	if !ok {
		return
	}
	if sel := c.selection(); sel != nil {
		for i := range items {
			items[i] = project(items[i], sel)
		}
	}
	c.page(items, 999, ctx)
}
