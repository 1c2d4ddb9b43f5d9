package graphdouble

import "strings"

// requestSchema holds the Graph types the double accepts in request bodies.
// contract_test.go proves each type, property, enum member and action
// parameter here matches Microsoft's CSDL (v1.0, or beta for beta-only
// types), so a name misspelt here fails the build's tests, not production.
var requestSchema = buildRequestSchema()

const g = "microsoft.graph."

func buildRequestSchema() *edmSchema {
	s := newEdmSchema()
	s.addType("entity", "", true, false, "id:Edm.String!")
	s.addType("directoryObject", "entity", false, false, "deletedDateTime:Edm.DateTimeOffset")
	s.addType("user", "directoryObject", false, false)
	s.addType("accessPackageAssignmentRequest", "entity", false, false)
	s.addType("authenticationMethod", "entity", true, false, "createdDateTime:Edm.DateTimeOffset")
	s.addType("temporaryAccessPassAuthenticationMethod", "authenticationMethod", false, false,
		"isUsable:Edm.Boolean", "isUsableOnce:Edm.Boolean", "lifetimeInMinutes:Edm.Int32",
		"methodUsabilityReason:Edm.String", "startDateTime:Edm.DateTimeOffset", "temporaryAccessPass:Edm.String")
	s.addType("phoneAuthenticationMethod", "authenticationMethod", false, false,
		"phoneNumber:Edm.String", "phoneType:"+g+"authenticationPhoneType",
		"smsSignInState:"+g+"authenticationMethodSignInState")
	addMailTypes(s)
	addFido2Types(s)
	s.addType("customExtensionData", "", true, true)
	s.addType("accessPackageAssignmentRequestCallbackData", "customExtensionData", false, true,
		"customExtensionStageInstanceDetail:Edm.String", "customExtensionStageInstanceId:Edm.String",
		"stage:"+g+"accessPackageCustomExtensionStage", "state:Edm.String")
	// beta only
	s.addType("signInPreferences", "", false, true,
		"isSystemPreferredAuthenticationMethodEnabled:Edm.Boolean",
		"userPreferredMethodForSecondaryAuthentication:"+g+"userDefaultAuthenticationMethodType")

	s.addEnum("authenticationPhoneType", "mobile", "alternateMobile", "office", "unknownFutureValue")
	s.addEnum("authenticationMethodSignInState", "notSupported", "notAllowedByPolicy", "notEnabled",
		"phoneNumberNotUnique", "ready", "notConfigured", "unknownFutureValue")
	s.addEnum("accessPackageCustomExtensionStage", "assignmentRequestCreated", "assignmentRequestApproved",
		"assignmentRequestGranted", "assignmentRequestRemoved", "assignmentFourteenDaysBeforeExpiration",
		"assignmentOneDayBeforeExpiration", "unknownFutureValue")
	s.addEnum("userDefaultAuthenticationMethodType", "push", "oath", "voiceMobile",
		"voiceAlternateMobile", "voiceOffice", "sms", "unknownFutureValue")

	s.addAction("sendMail", "user", "Message:"+g+"message!", "SaveToSentItems:Edm.Boolean")
	s.addAction("resume", "accessPackageAssignmentRequest",
		"source:Edm.String", "type:Edm.String", "data:"+g+"customExtensionData")
	return s
}

// addMailTypes covers graph.message as sendMail takes it (no attachments).
func addMailTypes(s *edmSchema) {
	s.addType("outlookItem", "entity", true, false, "categories:Collection(Edm.String)",
		"changeKey:Edm.String", "createdDateTime:Edm.DateTimeOffset", "lastModifiedDateTime:Edm.DateTimeOffset")
	s.addType("message", "outlookItem", false, false,
		"bccRecipients:Collection("+g+"recipient)", "body:"+g+"itemBody", "bodyPreview:Edm.String",
		"ccRecipients:Collection("+g+"recipient)", "conversationId:Edm.String",
		"conversationIndex:Edm.Binary", "flag:"+g+"followupFlag", "from:"+g+"recipient",
		"hasAttachments:Edm.Boolean", "importance:"+g+"importance",
		"inferenceClassification:"+g+"inferenceClassificationType",
		"internetMessageHeaders:Collection("+g+"internetMessageHeader)", "internetMessageId:Edm.String",
		"isDeliveryReceiptRequested:Edm.Boolean", "isDraft:Edm.Boolean", "isRead:Edm.Boolean",
		"isReadReceiptRequested:Edm.Boolean", "parentFolderId:Edm.String",
		"receivedDateTime:Edm.DateTimeOffset", "replyTo:Collection("+g+"recipient)",
		"sender:"+g+"recipient", "sentDateTime:Edm.DateTimeOffset", "subject:Edm.String",
		"toRecipients:Collection("+g+"recipient)", "uniqueBody:"+g+"itemBody", "webLink:Edm.String")
	s.addType("recipient", "", false, true, "emailAddress:"+g+"emailAddress")
	s.addType("emailAddress", "", false, true, "address:Edm.String", "name:Edm.String")
	s.addType("itemBody", "", false, true, "content:Edm.String", "contentType:"+g+"bodyType")
	s.addType("internetMessageHeader", "", false, true, "name:Edm.String", "value:Edm.String")
	s.addType("followupFlag", "", false, true, "completedDateTime:"+g+"dateTimeTimeZone",
		"dueDateTime:"+g+"dateTimeTimeZone", "flagStatus:"+g+"followupFlagStatus",
		"startDateTime:"+g+"dateTimeTimeZone")
	s.addType("dateTimeTimeZone", "", false, true, "dateTime:Edm.String!", "timeZone:Edm.String")
	s.addEnum("bodyType", "text", "html")
	s.addEnum("importance", "low", "normal", "high")
	s.addEnum("inferenceClassificationType", "focused", "other")
	s.addEnum("followupFlagStatus", "notFlagged", "complete", "flagged")
}

// addType declares microsoft.graph.<name>; props are "name:Type", with a
// trailing "!" for non-nullable.
func (s *edmSchema) addType(name, base string, abstract, complex bool, props ...string) {
	t := &edmType{name: g + name, abstract: abstract, complex: complex, props: map[string]edmProp{}}
	if base != "" {
		t.base = g + base
	}
	for _, spec := range props {
		n, p := parsePropSpec(spec)
		t.props[n] = p
	}
	s.types[t.name] = t
}

func (s *edmSchema) addEnum(name string, members ...string) {
	e := &edmEnum{members: map[string]bool{}}
	for _, m := range members {
		e.members[m] = true
	}
	s.enums[g+name] = e
}

func (s *edmSchema) addAction(name, binding string, params ...string) {
	a := &edmAction{name: name, binding: g + binding}
	for _, spec := range params {
		n, p := parsePropSpec(spec)
		a.params = append(a.params, edmParam{name: n, typ: p.typ, nullable: p.nullable})
	}
	s.actions = append(s.actions, a)
}

func parsePropSpec(spec string) (string, edmProp) {
	name, typ, _ := strings.Cut(spec, ":")
	nonNull := strings.HasSuffix(typ, "!")
	return name, edmProp{typ: strings.TrimSuffix(typ, "!"), nullable: !nonNull}
}

// Property names Graph knows on the types $select may name. Selecting a
// name outside these lists is a 400, as in Graph; contract_test.go checks
// the lists against the CSDL.
var (
	userProperties = strings.Fields(`aboutMe accountEnabled ageGroup assignedLicenses assignedPlans
		authorizationInfo birthday businessPhones city companyName consentProvidedForMinor country
		createdDateTime creationType customSecurityAttributes deletedDateTime department
		deviceEnrollmentLimit displayName employeeHireDate employeeId employeeLeaveDateTime
		employeeOrgData employeeType externalUserState externalUserStateChangeDateTime faxNumber
		givenName hireDate id identities imAddresses interests isManagementRestricted
		isResourceAccount jobTitle lastPasswordChangeDateTime legalAgeGroupClassification
		licenseAssignmentStates mail mailboxSettings mailNickname mobilePhone mySite officeLocation
		onPremisesDistinguishedName onPremisesDomainName onPremisesExtensionAttributes
		onPremisesImmutableId onPremisesLastSyncDateTime onPremisesProvisioningErrors
		onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled
		onPremisesUserPrincipalName otherMails passwordPolicies passwordProfile pastProjects
		postalCode preferredDataLocation preferredLanguage preferredName print provisionedPlans
		proxyAddresses responsibilities schools securityIdentifier serviceProvisioningErrors
		showInAddressList signInActivity signInSessionsValidFromDateTime skills state
		streetAddress surname usageLocation userPrincipalName userType`)
	groupProperties = strings.Fields(`accessType allowExternalSenders assignedLabels
		assignedLicenses autoSubscribeNewMembers classification createdDateTime deletedDateTime
		description displayName expirationDateTime groupTypes hasMembersWithLicenseErrors
		hideFromAddressLists hideFromOutlookClients id isArchived isAssignableToRole isFavorite
		isManagementRestricted isSubscribedByMail licenseProcessingState mail mailEnabled
		mailNickname membershipRule membershipRuleProcessingState onPremisesDomainName
		onPremisesLastSyncDateTime onPremisesNetBiosName onPremisesProvisioningErrors
		onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled
		preferredDataLocation preferredLanguage proxyAddresses renewedDateTime
		resourceBehaviorOptions resourceProvisioningOptions securityEnabled securityIdentifier
		serviceProvisioningErrors theme uniqueName unseenConversationsCount unseenCount
		unseenMessagesCount visibility`)
	directoryRoleProperties = strings.Fields(`deletedDateTime description displayName id roleTemplateId`)
)
