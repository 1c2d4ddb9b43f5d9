package graphdouble

import "net/http"

const (
	v1   = "/v1.0"
	beta = "/beta"
	auth = v1 + "/users/{user}/authentication"
)

// buildRoutes is the double's route table. Order matters: literal
// segments ($ref, casts) precede wildcards that would also match them.
func buildRoutes() []*route {
	get, post, patch, del := http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	rs := []*route{
		newRoute(get, v1+"/users/{user}", getUser, g+"user", ""),
		newRoute(get, v1+"/users/{user}/manager", getManager, g+"directoryObject", ""),
		newRoute(post, v1+"/users/{user}/revokeSignInSessions", revokeSignInSessions, "action:revokeSignInSessions:"+g+"user", ""),
		newRoute(post, v1+"/users/{user}/sendMail", sendMail, "", "action:sendMail:"+g+"user"),

		newRoute(get, v1+"/roleManagement/directory/roleEligibilityScheduleInstances", listRoleEligibilityInstances,
			"Collection("+g+"unifiedRoleEligibilityScheduleInstance)", ""),
		newRoute(get, v1+"/roleManagement/directory/roleAssignments", listRoleAssignments,
			"Collection("+g+"unifiedRoleAssignment)", ""),
		newRoute(get, v1+"/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances", listGroupEligibilityInstances,
			"Collection("+g+"privilegedAccessGroupEligibilityScheduleInstance)", ""),

		newRoute(get, auth+"/methods", listAllMethods, "Collection("+g+"authenticationMethod)", ""),
		newRoute(get, auth+"/methods/{id}", getAnyMethod, g+"authenticationMethod", ""),
		newRoute(post, auth+"/phoneMethods", postPhone, g+"phoneAuthenticationMethod", g+"phoneAuthenticationMethod"),
		newRoute(patch, auth+"/phoneMethods/{id}", patchPhone, "", g+"phoneAuthenticationMethod"),
		newRoute(post, auth+"/temporaryAccessPassMethods", postTAP,
			g+"temporaryAccessPassAuthenticationMethod", g+"temporaryAccessPassAuthenticationMethod"),
	}
	rs = append(rs, methodRoutes()...)
	rs = append(rs, policyRoutes()...)
	rs = append(rs, governanceRoutes()...)
	rs = append(rs, membershipRoutes()...)
	rs = append(rs,
		newRoute(get, v1+"/groups/{group}", getGroup, g+"group", ""),
		newRoute(post, v1+"/groups/{group}/members/$ref", addMemberRef, "", "$ref"),
		newRoute(del, v1+"/groups/{group}/members/$ref", removeMemberRefQuery, "", ""),
		newRoute(del, v1+"/groups/{group}/members/{member}/$ref", removeMemberRef, "", ""),
		newRoute(del, v1+"/groups/{group}/members/{member}", deleteMemberObject, "", ""),

		newRoute(get, v1+"/auditLogs/directoryAudits", listDirectoryAudits, "Collection("+g+"directoryAudit)", ""),
		newRoute(post, v1+"/identityGovernance/entitlementManagement/assignmentRequests/{id}/resume", resumeRequest,
			"", "action:resume:"+g+"accessPackageAssignmentRequest"),

		newRoute(post, beta+"/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/{id}/resume", resumeRequest,
			"", "action:resume:"+g+"accessPackageAssignmentRequest"),
		newRoute(get, beta+"/users/{user}/authentication/signInPreferences", getSignInPreferences, g+"signInPreferences", ""),
		newRoute(patch, beta+"/users/{user}/authentication/signInPreferences", patchSignInPreferences, "", g+"signInPreferences"),
	)
	return rs
}

// methodRoutes gives every typed method collection list/get, and delete
// for all but the password, which Graph never deletes.
func methodRoutes() []*route {
	var rs []*route
	for _, k := range methodOrder {
		coll := auth + "/" + k.collection
		rs = append(rs,
			newRoute(http.MethodGet, coll, listTyped(k), "Collection("+k.graphType+")", ""),
			newRoute(http.MethodGet, coll+"/{id}", getTyped(k), k.graphType, ""))
		if k.typ != MethodPassword {
			rs = append(rs, newRoute(http.MethodDelete, coll+"/{id}", deleteTyped(k), "", ""))
		}
	}
	return rs
}

// membershipRoutes serves memberOf, transitiveMemberOf and group members,
// each also with the type casts Graph offers (".../microsoft.graph.group").
func membershipRoutes() []*route {
	var rs []*route
	for _, cast := range []string{"", "group", "directoryRole"} {
		suffix, typ := "", g+"directoryObject"
		if cast != "" {
			suffix, typ = "/"+g+cast, g+cast
		}
		rs = append(rs,
			newRoute(http.MethodGet, v1+"/users/{user}/memberOf"+suffix, memberships(false, cast), "Collection("+typ+")", ""),
			newRoute(http.MethodGet, v1+"/users/{user}/transitiveMemberOf"+suffix, memberships(true, cast), "Collection("+typ+")", ""))
	}
	for _, cast := range []string{"", "user", "group"} {
		suffix, typ := "", g+"directoryObject"
		if cast != "" {
			suffix, typ = "/"+g+cast, g+cast
		}
		rs = append(rs, newRoute(http.MethodGet, v1+"/groups/{group}/members"+suffix, members(cast), "Collection("+typ+")", ""))
	}
	return rs
}
