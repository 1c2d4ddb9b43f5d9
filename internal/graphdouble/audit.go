package graphdouble

// Directory audit log: entries the double writes for membership changes
// plus any seeded ones, served newest first with $filter support.

func (c *call) audit(activity, category, operation string, targets ...TargetResource) {
	app := c.d.opts.Initiator
	c.t.DirectoryAudits = append(c.t.DirectoryAudits, &DirectoryAudit{
		ID:                  "Directory_" + newID(),
		ActivityDateTime:    c.d.now(),
		ActivityDisplayName: activity,
		Category:            category,
		CorrelationID:       newID(),
		LoggedByService:     "Core Directory",
		OperationType:       operation,
		Result:              "success",
		InitiatedBy:         AuditInitiator{App: &app},
		TargetResources:     targets,
	})
}

func renderAudit(a *DirectoryAudit) map[string]any {
	targets := []map[string]any{}
	for _, t := range a.TargetResources {
		mods := []map[string]any{}
		for _, m := range t.ModifiedProperties {
			mods = append(mods, map[string]any{
				"displayName": m.DisplayName, "oldValue": strOrNil(m.OldValue), "newValue": strOrNil(m.NewValue),
			})
		}
		targets = append(targets, map[string]any{
			"id": t.ID, "type": t.Type, "displayName": strOrNil(t.DisplayName),
			"userPrincipalName": strOrNil(t.UserPrincipalName), "groupType": nil, "modifiedProperties": mods,
		})
	}
	result := a.Result
	if result == "" {
		result = "success"
	}
	return map[string]any{
		"id": a.ID, "category": a.Category, "correlationId": strOrNil(a.CorrelationID),
		"result": result, "resultReason": a.ResultReason,
		"activityDisplayName": a.ActivityDisplayName, "activityDateTime": timeOrNil(a.ActivityDateTime),
		"loggedByService": strOrNil(a.LoggedByService), "operationType": strOrNil(a.OperationType),
		"initiatedBy": renderInitiator(a.InitiatedBy), "targetResources": targets,
		"additionalDetails": []any{},
	}
}

func renderInitiator(i AuditInitiator) map[string]any {
	out := map[string]any{"app": nil, "user": nil}
	if i.App != nil {
		out["app"] = map[string]any{
			"appId": strOrNil(i.App.AppID), "displayName": strOrNil(i.App.DisplayName),
			"servicePrincipalId": strOrNil(i.App.ServicePrincipalID), "servicePrincipalName": strOrNil(i.App.ServicePrincipalName),
		}
	}
	if i.User != nil {
		out["user"] = map[string]any{
			"id": strOrNil(i.User.ID), "displayName": strOrNil(i.User.DisplayName),
			"userPrincipalName": strOrNil(i.User.UserPrincipalName), "ipAddress": strOrNil(i.User.IPAddress),
		}
	}
	return out
}

func listDirectoryAudits(c *call) {
	var items []map[string]any
	for _, a := range c.t.DirectoryAudits {
		items = append(items, renderAudit(a))
	}
	sortByTime(items, "activityDateTime", true)
	items, ok := c.filterItems(items)
	if !ok {
		return
	}
	if sel := c.selection(); sel != nil {
		for i := range items {
			items[i] = project(items[i], sel)
		}
	}
	c.page(items, 999, "auditLogs/directoryAudits")
}
