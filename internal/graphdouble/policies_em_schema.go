package graphdouble

import "net/http"

// Routes, request types and query rules of entitlement management as
// tools/setup configures it (policies_em.go).

const (
	docExtensionList = "https://learn.microsoft.com/graph/api/accesspackagecatalog-list-accesspackagecustomworkflowextensions"
	docPolicyGet     = "https://learn.microsoft.com/graph/api/accesspackageassignmentpolicy-get"
	emRoot           = v1 + "/identityGovernance/entitlementManagement"
	emExtensions     = emRoot + "/catalogs/{catalog}/customWorkflowExtensions"
	emPolicy         = emRoot + "/assignmentPolicies/{policy}"
	emRoleAssignment = v1 + "/roleManagement/entitlementManagement/roleAssignments"
)

func governanceRoutes() []*route {
	get, post, put := http.MethodGet, http.MethodPost, http.MethodPut
	return []*route{
		newRoute(get, emExtensions, listCustomExtensions, "Collection("+g+"customCalloutExtension)", ""),
		newRoute(post, emExtensions, postCustomExtension, g+"customCalloutExtension", g+"customCalloutExtension"),
		newRoute(get, emPolicy, getAssignmentPolicy, g+"accessPackageAssignmentPolicy", ""),
		newRoute(put, emPolicy, putAssignmentPolicy, g+"accessPackageAssignmentPolicy", g+"accessPackageAssignmentPolicy"),
		newRoute(get, emRoleAssignment, listCatalogRoleAssignments, "Collection("+g+"unifiedRoleAssignment)", ""),
		newRoute(post, emRoleAssignment, postCatalogRoleAssignment, g+"unifiedRoleAssignment", g+"unifiedRoleAssignment"),
	}
}

func init() {
	// The list documents $select and $filter (with contains(tolower(...)));
	// the double implements neither and refuses them rather than ignore
	// them: setup lists a catalog's few extensions and matches the name
	// itself.
	queryRules["GET "+emExtensions] = queryRule{doc: docExtensionList}
	// accesspackageassignmentpolicy-get documents $select and $expand; the
	// double implements $expand (parsePolicyExpand) and refuses $select.
	queryRules["GET "+emPolicy] = queryRule{doc: docPolicyGet, options: []string{"$expand"}}
	// unifiedRoleAssignment: appScopeId, directoryScopeId, principalId and
	// roleDefinitionId "Support $filter (eq, in)", e.g.
	// $filter=appScopeId eq '/AccessPackageCatalog/{catalog id}'.
	queryRules["GET "+emRoleAssignment] = queryRule{
		doc: docAssignment, options: []string{"$filter"},
		filter: map[string][]string{
			"appScopeId": {"eq", "in"}, "directoryScopeId": {"eq", "in"},
			"principalId": {"eq", "in"}, "roleDefinitionId": {"eq", "in"},
		},
	}
	addGovernanceTypes(requestSchema)
	// accesspackagecatalog-post-accesspackagecustomworkflowextensions sends
	// the abstract type by name ("@odata.type":
	// "microsoft.graph.customExtensionCallbackConfiguration"), and Graph
	// takes it as sent (microsoftgraph/microsoft-graph-docs#21126).
	documentedAbstract[g+"customExtensionCallbackConfiguration"] = true
}

// addGovernanceTypes declares the request bodies of the governance routes,
// as in the CSDL (contract_test.go compares them).
func addGovernanceTypes(s *edmSchema) {
	addExtensionTypes(s)
	addPolicyTypesEM(s)
	addSubjectSetTypes(s)
	s.addType("unifiedRoleAssignment", "entity", false, false,
		"appScopeId:Edm.String", "condition:Edm.String", "directoryScopeId:Edm.String", "principalId:Edm.String",
		"principalOrganizationId:Edm.String", "roleDefinitionId:Edm.String")
}

func addExtensionTypes(s *edmSchema) {
	s.addType("customCalloutExtension", "entity", true, false,
		"authenticationConfiguration:"+g+"customExtensionAuthenticationConfiguration",
		"clientConfiguration:"+g+"customExtensionClientConfiguration", "description:Edm.String",
		"displayName:Edm.String", "endpointConfiguration:"+g+"customExtensionEndpointConfiguration")
	for _, kind := range []string{"accessPackageAssignmentRequestWorkflowExtension", "accessPackageAssignmentWorkflowExtension"} {
		s.addType(kind, "customCalloutExtension", false, false,
			"callbackConfiguration:"+g+"customExtensionCallbackConfiguration", "createdBy:Edm.String",
			"createdDateTime:Edm.DateTimeOffset", "lastModifiedBy:Edm.String", "lastModifiedDateTime:Edm.DateTimeOffset")
	}
	s.addType("customExtensionAuthenticationConfiguration", "", true, true)
	s.addType("azureAdPopTokenAuthentication", "customExtensionAuthenticationConfiguration", false, true)
	s.addType("azureAdTokenAuthentication", "customExtensionAuthenticationConfiguration", false, true, "resourceId:Edm.String")
	s.addType("customExtensionClientConfiguration", "", false, true, "maximumRetries:Edm.Int32", "timeoutInMilliseconds:Edm.Int32")
	s.addType("customExtensionEndpointConfiguration", "", true, true)
	s.addType("logicAppTriggerEndpointConfiguration", "customExtensionEndpointConfiguration", false, true,
		"logicAppWorkflowName:Edm.String", "resourceGroupName:Edm.String", "subscriptionId:Edm.String", "url:Edm.String")
	s.addType("httpRequestEndpoint", "customExtensionEndpointConfiguration", false, true, "targetUrl:Edm.String")
	s.addType("customExtensionCallbackConfiguration", "", true, true, "timeoutDuration:Edm.Duration")
}

func addPolicyTypesEM(s *edmSchema) {
	subjects := "Collection(" + g + "subjectSet)"
	s.addType("accessPackageAssignmentPolicy", "entity", false, false,
		"allowedTargetScope:"+g+"allowedTargetScope", "automaticRequestSettings:"+g+"accessPackageAutomaticRequestSettings",
		"createdDateTime:Edm.DateTimeOffset", "description:Edm.String", "displayName:Edm.String",
		"expiration:"+g+"expirationPattern", "modifiedDateTime:Edm.DateTimeOffset",
		"notificationSettings:"+g+"accessPackageNotificationSettings",
		"requestApprovalSettings:"+g+"accessPackageAssignmentApprovalSettings",
		"requestorSettings:"+g+"accessPackageAssignmentRequestorSettings",
		"reviewSettings:"+g+"accessPackageAssignmentReviewSettings", "specificAllowedTargets:"+subjects)
	nav := func(typ, name, target string) {
		s.types[g+typ].props[name] = edmProp{typ: target, nullable: true, nav: true}
	}
	nav("accessPackageAssignmentPolicy", "accessPackage", g+"accessPackage")
	nav("accessPackageAssignmentPolicy", "catalog", g+"accessPackageCatalog")
	nav("accessPackageAssignmentPolicy", "customExtensionStageSettings", "Collection("+g+"customExtensionStageSetting)")
	nav("accessPackageAssignmentPolicy", "questions", "Collection("+g+"accessPackageQuestion)")
	s.addType("accessPackage", "entity", false, false, "createdDateTime:Edm.DateTimeOffset", "description:Edm.String",
		"displayName:Edm.String", "isHidden:Edm.Boolean", "modifiedDateTime:Edm.DateTimeOffset")
	s.addType("accessPackageCatalog", "entity", false, false, "catalogType:"+g+"accessPackageCatalogType",
		"createdDateTime:Edm.DateTimeOffset", "description:Edm.String", "displayName:Edm.String",
		"isExternallyVisible:Edm.Boolean", "modifiedDateTime:Edm.DateTimeOffset", "state:"+g+"accessPackageCatalogState")
	s.addType("customExtensionStageSetting", "entity", false, false, "stage:"+g+"accessPackageCustomExtensionStage!")
	nav("customExtensionStageSetting", "customExtension", g+"customCalloutExtension")
	s.addType("accessPackageAutomaticRequestSettings", "", false, true, "gracePeriodBeforeAccessRemoval:Edm.Duration",
		"removeAccessWhenTargetLeavesAllowedTargets:Edm.Boolean", "requestAccessForAllowedTargets:Edm.Boolean")
	s.addType("expirationPattern", "", false, true, "duration:Edm.Duration", "endDateTime:Edm.DateTimeOffset",
		"type:"+g+"expirationPatternType")
	s.addType("accessPackageNotificationSettings", "", false, true, "isAssignmentNotificationDisabled:Edm.Boolean!")
	s.addType("accessPackageAssignmentApprovalSettings", "", false, true, "isApprovalRequiredForAdd:Edm.Boolean",
		"isApprovalRequiredForUpdate:Edm.Boolean", "isRequestorJustificationRequired:Edm.Boolean",
		"stages:Collection("+g+"accessPackageApprovalStage)")
	s.addType("accessPackageApprovalStage", "", false, true,
		"approverInformationVisibility:"+g+"approverInformationVisibility!", "durationBeforeAutomaticDenial:Edm.Duration",
		"durationBeforeEscalation:Edm.Duration", "escalationApprovers:"+subjects, "fallbackEscalationApprovers:"+subjects,
		"fallbackPrimaryApprovers:"+subjects, "isApproverJustificationRequired:Edm.Boolean",
		"isEscalationEnabled:Edm.Boolean", "primaryApprovers:"+subjects)
	s.addType("accessPackageAssignmentRequestorSettings", "", false, true, "allowCustomAssignmentSchedule:Edm.Boolean",
		"enableOnBehalfRequestorsToAddAccess:Edm.Boolean", "enableOnBehalfRequestorsToRemoveAccess:Edm.Boolean",
		"enableOnBehalfRequestorsToUpdateAccess:Edm.Boolean", "enableTargetsToSelfAddAccess:Edm.Boolean",
		"enableTargetsToSelfRemoveAccess:Edm.Boolean", "enableTargetsToSelfUpdateAccess:Edm.Boolean",
		"onBehalfRequestors:"+subjects)
	s.addType("accessPackageAssignmentReviewSettings", "", false, true,
		"expirationBehavior:"+g+"accessReviewExpirationBehavior", "fallbackReviewers:"+subjects, "isEnabled:Edm.Boolean",
		"isRecommendationEnabled:Edm.Boolean", "isReviewerJustificationRequired:Edm.Boolean", "isSelfReview:Edm.Boolean",
		"primaryReviewers:"+subjects, "schedule:"+g+"entitlementManagementSchedule")
	s.addType("entitlementManagementSchedule", "", false, true, "expiration:"+g+"expirationPattern",
		"recurrence:"+g+"patternedRecurrence", "startDateTime:Edm.DateTimeOffset")
	s.addType("patternedRecurrence", "", false, true, "pattern:"+g+"recurrencePattern", "range:"+g+"recurrenceRange")
	s.addType("recurrencePattern", "", false, true, "dayOfMonth:Edm.Int32!", "daysOfWeek:Collection("+g+"dayOfWeek)",
		"firstDayOfWeek:"+g+"dayOfWeek", "index:"+g+"weekIndex", "interval:Edm.Int32!", "month:Edm.Int32!",
		"type:"+g+"recurrencePatternType")
	s.addType("recurrenceRange", "", false, true, "endDate:Edm.Date", "numberOfOccurrences:Edm.Int32!",
		"recurrenceTimeZone:Edm.String", "startDate:Edm.Date", "type:"+g+"recurrenceRangeType")
	s.addType("accessPackageQuestion", "entity", true, false, "isAnswerEditable:Edm.Boolean", "isRequired:Edm.Boolean",
		"localizations:Collection("+g+"accessPackageLocalizedText)", "sequence:Edm.Int32", "text:Edm.String")
	s.addType("accessPackageTextInputQuestion", "accessPackageQuestion", false, false,
		"isSingleLineQuestion:Edm.Boolean", "regexPattern:Edm.String")
	s.addType("accessPackageMultipleChoiceQuestion", "accessPackageQuestion", false, false,
		"choices:Collection("+g+"accessPackageAnswerChoice)", "isMultipleSelectionAllowed:Edm.Boolean")
	s.addType("accessPackageAnswerChoice", "", false, true, "actualValue:Edm.String",
		"localizations:Collection("+g+"accessPackageLocalizedText)", "text:Edm.String")
	s.addType("accessPackageLocalizedText", "", false, true, "languageCode:Edm.String!", "text:Edm.String")
	addGovernanceEnums(s)
}

// addSubjectSetTypes: who may request, approve or review.
func addSubjectSetTypes(s *edmSchema) {
	s.addType("subjectSet", "", true, true)
	for _, spec := range [][]string{
		{"singleUser", "description:Edm.String", "userId:Edm.String"},
		{"groupMembers", "description:Edm.String", "groupId:Edm.String"},
		{"requestorManager", "managerLevel:Edm.Int32"},
		{"targetManager", "managerLevel:Edm.Int32"},
		{"singleServicePrincipal", "description:Edm.String", "servicePrincipalId:Edm.String"},
		{"connectedOrganizationMembers", "connectedOrganizationId:Edm.String", "description:Edm.String"},
		{"attributeRuleMembers", "description:Edm.String", "membershipRule:Edm.String"},
		{"internalSponsors"}, {"externalSponsors"}, {"targetUserSponsors"}, {"targetApplicationOwners"},
	} {
		s.addType(spec[0], "subjectSet", false, true, spec[1:]...)
	}
}

func addGovernanceEnums(s *edmSchema) {
	s.addEnum("allowedTargetScope", "notSpecified", "specificDirectoryUsers", "specificConnectedOrganizationUsers",
		"specificDirectoryServicePrincipals", "allMemberUsers", "allDirectoryUsers", "allDirectoryServicePrincipals",
		"allConfiguredConnectedOrganizationUsers", "allExternalUsers", "allDirectoryAgentIdentities", "unknownFutureValue")
	s.addEnum("expirationPatternType", "notSpecified", "noExpiration", "afterDateTime", "afterDuration")
	s.addEnum("approverInformationVisibility", "default", "notVisible", "visible", "unknownFutureValue")
	s.addEnum("accessReviewExpirationBehavior", "keepAccess", "removeAccess", "acceptAccessRecommendation", "unknownFutureValue")
	s.addEnum("accessPackageCatalogType", "userManaged", "serviceDefault", "serviceManaged", "unknownFutureValue")
	s.addEnum("accessPackageCatalogState", "unpublished", "published", "unknownFutureValue")
	s.addEnum("recurrencePatternType", "daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly")
	s.addEnum("dayOfWeek", "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
	s.addEnum("weekIndex", "first", "second", "third", "fourth", "last")
	s.addEnum("recurrenceRangeType", "endDate", "noEnd", "numbered")
}
