package graphdouble

import (
	"net/http"
	"strings"
)

// Routes, request types and query rules of what tools/setup manages.

const (
	docSPList       = "https://learn.microsoft.com/graph/api/serviceprincipal-list"
	docStrengthList = "https://learn.microsoft.com/graph/api/authenticationstrengthroot-list-policies"
	docCAList       = "https://learn.microsoft.com/graph/api/conditionalaccessroot-list-policies"
	strengths       = v1 + "/policies/authenticationStrengthPolicies"
	caPolicies      = v1 + "/identity/conditionalAccess/policies"
)

func policyRoutes() []*route {
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	return []*route{
		newRoute(get, v1+"/servicePrincipals", listServicePrincipals, "Collection("+g+"servicePrincipal)", ""),
		newRoute(get, v1+"/servicePrincipals/{sp}", getServicePrincipal, g+"servicePrincipal", ""),
		newRoute(get, v1+"/servicePrincipals/{sp}/appRoleAssignments", listAppRoleAssignments, "Collection("+g+"appRoleAssignment)", ""),
		newRoute(post, v1+"/servicePrincipals/{sp}/appRoleAssignments", postAppRoleAssignment, g+"appRoleAssignment", g+"appRoleAssignment"),

		newRoute(get, strengths, listStrengths, "Collection("+g+"authenticationStrengthPolicy)", ""),
		newRoute(post, strengths, postStrength, g+"authenticationStrengthPolicy", g+"authenticationStrengthPolicy"),
		newRoute(get, strengths+"/{id}", getStrength, g+"authenticationStrengthPolicy", ""),
		newRoute(patch, strengths+"/{id}", patchStrength, "", g+"authenticationStrengthPolicy"),
		newRoute(post, strengths+"/{id}/updateAllowedCombinations", updateAllowedCombinations,
			g+"updateAllowedCombinationsResult", "action:updateAllowedCombinations:"+g+"authenticationStrengthPolicy"),

		newRoute(get, caPolicies, listCAPolicies, "Collection("+g+"conditionalAccessPolicy)", ""),
		newRoute(post, caPolicies, postCAPolicy, g+"conditionalAccessPolicy", g+"conditionalAccessPolicy"),
		newRoute(get, caPolicies+"/{id}", getCAPolicy, g+"conditionalAccessPolicy", ""),
		newRoute(patch, caPolicies+"/{id}", patchCAPolicy, "", g+"conditionalAccessPolicy"),

		newRoute(get, v1+"/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}",
			getMethodConfiguration, g+"authenticationMethodConfiguration", ""),
	}
}

func init() {
	// serviceprincipal-list: $count, $expand, $filter, $orderby, $search,
	// $select, $top; directory-object filters (aad-advanced-queries):
	// appId and displayName eq, in, startsWith by default, ne as an
	// advanced query.
	queryRules["GET "+v1+"/servicePrincipals"] = queryRule{
		doc: docSPList, options: []string{"$select", "$filter", "$top", "$count", "$search", "$orderby", "$expand"},
		filter: map[string][]string{
			"appId": {"eq", "ne", "in", "startswith"}, "displayName": {"eq", "ne", "in", "startswith"},
			"id": {"eq", "ne", "in"}, "servicePrincipalType": {"eq", "ne"},
		},
		directory: true,
	}
	// authenticationstrengthroot-list-policies: $filter on displayName and
	// policyType (eq, ne, in; not is not modelled).
	queryRules["GET "+strengths] = queryRule{
		doc: docStrengthList, options: []string{"$filter"},
		filter: map[string][]string{"displayName": {"eq", "ne", "in"}, "policyType": {"eq", "ne", "in"}},
	}
	// conditionalaccessroot-list-policies documents $skip, $top, $count,
	// $filter, $orderby and $select; the double implements $top only and
	// refuses the rest rather than ignore them.
	queryRules["GET "+caPolicies] = queryRule{doc: docCAList, options: []string{"$top"}}
	addPolicyTypes(requestSchema)
}

// addPolicyTypes declares the request bodies of the setup routes, as in the
// CSDL (contract_test.go compares them).
func addPolicyTypes(s *edmSchema) {
	s.addType("appRoleAssignment", "directoryObject", false, false,
		"appRoleId:Edm.Guid!", "createdDateTime:Edm.DateTimeOffset", "principalDisplayName:Edm.String",
		"principalId:Edm.Guid", "principalType:Edm.String", "resourceDisplayName:Edm.String", "resourceId:Edm.Guid")
	s.addType("authenticationStrengthPolicy", "entity", false, false,
		"allowedCombinations:Collection("+g+"authenticationMethodModes)!", "createdDateTime:Edm.DateTimeOffset!",
		"description:Edm.String", "displayName:Edm.String!", "modifiedDateTime:Edm.DateTimeOffset!",
		"policyType:"+g+"authenticationStrengthPolicyType!", "requirementsSatisfied:"+g+"authenticationStrengthRequirements!")
	s.addAction("updateAllowedCombinations", "authenticationStrengthPolicy",
		"allowedCombinations:Collection("+g+"authenticationMethodModes)")
	addCATypes(s)
	addPolicyEnums(s)
}

func addCATypes(s *edmSchema) {
	s.addType("policyDeletableItem", "", true, false, "deletedDateTime:Edm.DateTimeOffset")
	s.addType("conditionalAccessPolicy", "policyDeletableItem", false, false,
		"conditions:"+g+"conditionalAccessConditionSet!", "createdDateTime:Edm.DateTimeOffset", "description:Edm.String",
		"displayName:Edm.String!", "grantControls:"+g+"conditionalAccessGrantControls", "id:Edm.String!",
		"modifiedDateTime:Edm.DateTimeOffset", "sessionControls:"+g+"conditionalAccessSessionControls",
		"state:"+g+"conditionalAccessPolicyState!", "templateId:Edm.String")
	s.addType("conditionalAccessConditionSet", "", false, true,
		"applications:"+g+"conditionalAccessApplications", "clientAppTypes:Collection("+g+"conditionalAccessClientApp)!",
		"locations:"+g+"conditionalAccessLocations", "platforms:"+g+"conditionalAccessPlatforms",
		"servicePrincipalRiskLevels:Collection("+g+"riskLevel)!", "signInRiskLevels:Collection("+g+"riskLevel)!",
		"userRiskLevels:Collection("+g+"riskLevel)!", "users:"+g+"conditionalAccessUsers")
	s.addType("conditionalAccessUsers", "", false, true,
		"excludeGroups:Collection(Edm.String)!", "excludeGuestsOrExternalUsers:"+g+"conditionalAccessGuestsOrExternalUsers",
		"excludeRoles:Collection(Edm.String)!", "excludeUsers:Collection(Edm.String)!",
		"includeGroups:Collection(Edm.String)!", "includeGuestsOrExternalUsers:"+g+"conditionalAccessGuestsOrExternalUsers",
		"includeRoles:Collection(Edm.String)!", "includeUsers:Collection(Edm.String)!")
	s.addType("conditionalAccessGuestsOrExternalUsers", "", false, true,
		"externalTenants:"+g+"conditionalAccessExternalTenants", "guestOrExternalUserTypes:"+g+"conditionalAccessGuestOrExternalUserTypes!")
	s.addType("conditionalAccessExternalTenants", "", true, true, "membershipKind:"+g+"conditionalAccessExternalTenantsMembershipKind")
	s.addType("conditionalAccessAllExternalTenants", "conditionalAccessExternalTenants", false, true)
	s.addType("conditionalAccessEnumeratedExternalTenants", "conditionalAccessExternalTenants", false, true,
		"members:Collection(Edm.String)!")
	s.addType("conditionalAccessApplications", "", false, true,
		"excludeApplications:Collection(Edm.String)!", "includeApplications:Collection(Edm.String)!",
		"includeAuthenticationContextClassReferences:Collection(Edm.String)!", "includeUserActions:Collection(Edm.String)!")
	s.addType("conditionalAccessLocations", "", false, true,
		"excludeLocations:Collection(Edm.String)!", "includeLocations:Collection(Edm.String)!")
	s.addType("conditionalAccessPlatforms", "", false, true,
		"excludePlatforms:Collection("+g+"conditionalAccessDevicePlatform)!", "includePlatforms:Collection("+g+"conditionalAccessDevicePlatform)!")
	s.addType("conditionalAccessGrantControls", "", false, true,
		"builtInControls:Collection("+g+"conditionalAccessGrantControl)!", "customAuthenticationFactors:Collection(Edm.String)!",
		"operator:Edm.String", "termsOfUse:Collection(Edm.String)!")
	s.types[g+"conditionalAccessGrantControls"].props["authenticationStrength"] =
		edmProp{typ: g + "authenticationStrengthPolicy", nullable: true, nav: true}
	s.addType("conditionalAccessSessionControls", "", false, true,
		"disableResilienceDefaults:Edm.Boolean", "signInFrequency:"+g+"signInFrequencySessionControl")
	s.addType("conditionalAccessSessionControl", "", true, true, "isEnabled:Edm.Boolean")
	s.addType("signInFrequencySessionControl", "conditionalAccessSessionControl", false, true,
		"authenticationType:"+g+"signInFrequencyAuthenticationType", "frequencyInterval:"+g+"signInFrequencyInterval",
		"type:"+g+"signinFrequencyType", "value:Edm.Int32")
}

func addPolicyEnums(s *edmSchema) {
	s.addEnum("authenticationMethodModes", "password", "voice", "hardwareOath", "softwareOath", "sms", "fido2",
		"windowsHelloForBusiness", "microsoftAuthenticatorPush", "deviceBasedPush", "temporaryAccessPassOneTime",
		"temporaryAccessPassMultiUse", "email", "x509CertificateSingleFactor", "x509CertificateMultiFactor",
		"federatedSingleFactor", "federatedMultiFactor", "unknownFutureValue", "qrCodePin")
	s.addEnum("authenticationStrengthPolicyType", "builtIn", "custom", "unknownFutureValue")
	s.addEnum("authenticationStrengthRequirements", "none", "mfa", "unknownFutureValue")
	s.addEnum("conditionalAccessPolicyState", "enabled", "disabled", "enabledForReportingButNotEnforced")
	s.addEnum("conditionalAccessGrantControl", "block", "mfa", "compliantDevice", "domainJoinedDevice",
		"approvedApplication", "compliantApplication", "passwordChange", "unknownFutureValue", "riskRemediation")
	s.addEnum("conditionalAccessDevicePlatform", "android", "iOS", "windows", "windowsPhone", "macOS", "all",
		"unknownFutureValue", "linux")
	s.addEnum("conditionalAccessClientApp", "all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync",
		"easSupported", "other", "unknownFutureValue")
	s.addEnum("signInFrequencyAuthenticationType", "primaryAndSecondaryAuthentication", "secondaryAuthentication", "unknownFutureValue")
	s.addEnum("signInFrequencyInterval", "timeBased", "everyTime", "unknownFutureValue")
	s.addEnum("signinFrequencyType", "days", "hours")
	s.addEnum("conditionalAccessGuestOrExternalUserTypes", "none", "internalGuest", "b2bCollaborationGuest",
		"b2bCollaborationMember", "b2bDirectConnectUser", "otherExternalUser", "serviceProvider", "unknownFutureValue")
	s.addEnum("conditionalAccessExternalTenantsMembershipKind", "all", "enumerated", "unknownFutureValue")
	s.addEnum("riskLevel", "low", "medium", "high", "hidden", "none", "unknownFutureValue")
	// Flags enums take comma-joined members ("password,sms").
	for _, flags := range []string{"authenticationMethodModes", "authenticationStrengthRequirements", "conditionalAccessGuestOrExternalUserTypes"} {
		s.enums[g+flags].flags = true
	}
}

// normalize renders obj of type typ the way Graph answers: every property
// the type (or its @odata.type) declares, an unset non-nullable collection
// as [], anything else unset as null, nested objects likewise. Navigation
// properties are kept only when sent.
func (s *edmSchema) normalize(typ string, obj map[string]any) map[string]any {
	actual := typ
	out := map[string]any{}
	if t, ok := obj["@odata.type"].(string); ok {
		actual = strings.TrimPrefix(t, "#")
		out["@odata.type"] = t
	}
	for t := s.types[actual]; t != nil; t = s.types[t.base] {
		for name, p := range t.props {
			v, set := obj[name]
			switch {
			case p.nav:
				if set {
					out[name] = v
				}
			case v == nil && strings.HasPrefix(p.typ, "Collection(") && !p.nullable:
				out[name] = []any{}
			case v == nil:
				out[name] = nil
			default:
				out[name] = s.normalizeValue(p.typ, v)
			}
		}
	}
	return out
}

func (s *edmSchema) normalizeValue(typ string, v any) any {
	if m, ok := v.(map[string]any); ok && s.types[typ] != nil {
		return s.normalize(typ, m)
	}
	return v
}
