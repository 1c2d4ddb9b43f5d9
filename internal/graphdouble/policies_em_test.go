package graphdouble

import (
	"net/url"
	"slices"
	"testing"
)

const (
	emCatalogID = "50000000-0000-4000-8000-000000000001"
	emPackageID = "50000000-0000-4000-8000-000000000002"
	emPolicyID  = "50000000-0000-4000-8000-000000000003"
	otherCatID  = "50000000-0000-4000-8000-000000000011"
	relaySub    = "0b0c0d0e-0000-4000-8000-000000000001"
)

func addResetPackage(d *Double) {
	d.AddAccessPackage(Catalog{ID: emCatalogID, DisplayName: "MFA recovery"},
		AccessPackage{ID: emPackageID, DisplayName: "MFA reset"},
		NewRequestPolicy(emPolicyID, emPackageID, "Approved MFA reset", helpdesk))
	d.AddAccessPackage(Catalog{ID: otherCatID, DisplayName: "Other"}, AccessPackage{ID: "50000000-0000-4000-8000-000000000012"})
}

func extensionsPath(catalog string) string {
	return "/v1.0/identityGovernance/entitlementManagement/catalogs/" + catalog + "/customWorkflowExtensions"
}

const policyPath = "/v1.0/identityGovernance/entitlementManagement/assignmentPolicies/" + emPolicyID

// extensionBody is the documented request (Example 1 of
// accesspackagecatalog-post-accesspackagecustomworkflowextensions).
func extensionBody(name string) map[string]any {
	return map[string]any{
		"@odata.type": "#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension",
		"displayName": name, "description": "relay",
		"endpointConfiguration": map[string]any{"@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
			"subscriptionId": relaySub, "resourceGroupName": "rg-mfa", "logicAppWorkflowName": "relay"},
		"authenticationConfiguration": map[string]any{"@odata.type": "#microsoft.graph.azureAdPopTokenAuthentication"},
		"callbackConfiguration": map[string]any{"@odata.type": "microsoft.graph.customExtensionCallbackConfiguration",
			"timeoutDuration": "PT1H"},
	}
}

func stageBody(stage, extensionID string) []any {
	return []any{map[string]any{"stage": stage, "customExtension": map[string]any{
		"@odata.type": "#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension", "id": extensionID}}}
}

func TestCustomExtensionsAsDocumented(t *testing.T) {
	f, _ := newPolicyFixture(t)
	addResetPackage(f.d)
	x := f.expect(f.do("POST", extensionsPath(emCatalogID), extensionBody("mfa-reset")), 201)
	ep := x.body["endpointConfiguration"].(map[string]any)
	if x.str("displayName") != "mfa-reset" || ep["url"] == nil || ep["resourceGroupName"] != "rg-mfa" {
		t.Errorf("created %s", x.raw)
	}
	list := f.expect(f.do("GET", extensionsPath(emCatalogID), nil), 200).values()
	if len(list) != 1 || list[0]["id"] != x.str("id") {
		t.Errorf("list %v", list)
	}
	if other := f.expect(f.do("GET", extensionsPath(otherCatID), nil), 200).values(); len(other) != 0 {
		t.Errorf("another catalog lists %v", other)
	}

	refused := map[string]func(b map[string]any) map[string]any{
		// The doc's Example 2 wraps the body in "value"; Graph refuses that
		// (microsoftgraph/microsoft-graph-docs#21126).
		"wrapped in value": func(b map[string]any) map[string]any { return map[string]any{"value": b} },
		"http endpoint": func(b map[string]any) map[string]any {
			b["endpointConfiguration"] = map[string]any{"@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": "https://x"}
			return b
		},
		"timeout of 15 days": func(b map[string]any) map[string]any {
			b["callbackConfiguration"].(map[string]any)["timeoutDuration"] = "P15D"
			return b
		},
		"timeout of 1 min": func(b map[string]any) map[string]any {
			b["callbackConfiguration"].(map[string]any)["timeoutDuration"] = "PT1M"
			return b
		},
		"no authentication": func(b map[string]any) map[string]any { delete(b, "authenticationConfiguration"); return b },
		"no resource group": func(b map[string]any) map[string]any {
			b["endpointConfiguration"].(map[string]any)["resourceGroupName"] = ""
			return b
		},
		"misspelt property": func(b map[string]any) map[string]any { b["displayname"] = "x"; return b },
		"not an EM extension": func(b map[string]any) map[string]any {
			b["@odata.type"] = "#microsoft.graph.customCalloutExtension"
			return b
		},
	}
	for name, spoil := range refused {
		if r := f.do("POST", extensionsPath(emCatalogID), spoil(extensionBody("x"))); r.status != 400 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	f.expect(f.do("POST", extensionsPath("50000000-0000-4000-8000-0000000000ff"), extensionBody("x")), 404)
	f.expect(f.do("GET", extensionsPath(emCatalogID)+"?$filter="+url.QueryEscape("displayName eq 'x'"), nil), 400)
	for i := 1; i < maxExtensionsPerCatalog; i++ {
		f.expect(f.do("POST", extensionsPath(emCatalogID), extensionBody("n")), 201)
	}
	f.expect(f.do("POST", extensionsPath(emCatalogID), extensionBody("one too many")), 400)
}

func TestPolicyPutReplacesTheWholePolicy(t *testing.T) {
	f, _ := newPolicyFixture(t)
	addResetPackage(f.d)
	x := f.expect(f.do("POST", extensionsPath(emCatalogID), extensionBody("mfa-reset")), 201).str("id")
	f.d.Update(func(tn *Tenant) {
		tn.Setup.Governance.Policies[0].Questions = []map[string]any{{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion",
			"id": "q1", "text": "Why?", "isRequired": true, "sequence": 1, "localizations": []any{}, "isSingleLineQuestion": true}}
	})
	expand := "?$expand=" + url.QueryEscape("accessPackage,catalog,questions,customExtensionStageSettings($expand=customExtension)")
	got := f.expect(f.do("GET", policyPath+expand, nil), 200)
	if got.body["accessPackage"].(map[string]any)["id"] != emPackageID || got.body["catalog"].(map[string]any)["id"] != emCatalogID ||
		len(got.body["questions"].([]any)) != 1 || len(got.body["customExtensionStageSettings"].([]any)) != 0 {
		t.Fatalf("expanded policy %s", got.raw)
	}
	if _, present := f.expect(f.do("GET", policyPath, nil), 200).body["questions"]; present {
		t.Error("navigation properties must appear only when expanded")
	}
	f.expect(f.do("GET", policyPath+"?$select=displayName", nil), 400)
	f.expect(f.do("GET", policyPath+"?$expand=accessPackageAssignments", nil), 400)

	// A PUT carries the whole policy: what it leaves out is gone.
	body := map[string]any{"displayName": "Approved MFA reset", "description": "x", "allowedTargetScope": "allMemberUsers",
		"accessPackage": map[string]any{"id": emPackageID}, "customExtensionStageSettings": stageBody("assignmentRequestApproved", x)}
	f.expect(f.do("PUT", policyPath, body), 200)
	after := f.expect(f.do("GET", policyPath+expand, nil), 200)
	stages := after.body["customExtensionStageSettings"].([]any)
	if len(stages) != 1 || stages[0].(map[string]any)["customExtension"].(map[string]any)["id"] != x ||
		len(after.body["questions"].([]any)) != 0 || after.body["requestApprovalSettings"] != nil {
		t.Errorf("after PUT %s", after.raw)
	}

	other := f.expect(f.do("POST", extensionsPath(otherCatID), extensionBody("elsewhere")), 201).str("id")
	refused := map[string]map[string]any{
		"no access package": {"displayName": "p"},
		"another package":   {"displayName": "p", "accessPackage": map[string]any{"id": "50000000-0000-4000-8000-000000000012"}},
		"no displayName":    {"accessPackage": map[string]any{"id": emPackageID}},
		"extension of another catalog": {"displayName": "p", "accessPackage": map[string]any{"id": emPackageID},
			"customExtensionStageSettings": stageBody("assignmentRequestApproved", other)},
		"request extension before expiry": {"displayName": "p", "accessPackage": map[string]any{"id": emPackageID},
			"customExtensionStageSettings": stageBody("assignmentOneDayBeforeExpiration", x)},
		"unknown stage": {"displayName": "p", "accessPackage": map[string]any{"id": emPackageID},
			"customExtensionStageSettings": stageBody("assignmentRequestApprovedd", x)},
	}
	for name, b := range refused {
		if r := f.do("PUT", policyPath, b); r.status != 400 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
}

func TestCatalogRoleAssignments(t *testing.T) {
	f, _ := newPolicyFixture(t)
	addResetPackage(f.d)
	const manager = "e2182095-804a-4656-ae11-64734e9b7ae5"
	scope := "/AccessPackageCatalog/" + emCatalogID
	body := map[string]any{"principalId": miObjectID, "roleDefinitionId": manager, "appScopeId": scope}
	a := f.expect(f.do("POST", emRoleAssignment, body), 201)
	if a.str("appScopeId") != scope || a.str("principalId") != miObjectID {
		t.Errorf("created %s", a.raw)
	}
	f.expect(f.do("POST", emRoleAssignment, body), 400) // the same again
	for name, b := range map[string]map[string]any{
		"unknown catalog":   {"principalId": miObjectID, "roleDefinitionId": manager, "appScopeId": "/AccessPackageCatalog/50000000-0000-4000-8000-0000000000ff"},
		"directory role":    {"principalId": miObjectID, "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "appScopeId": scope},
		"no scope":          {"principalId": miObjectID, "roleDefinitionId": manager},
		"both scopes":       {"principalId": miObjectID, "roleDefinitionId": manager, "appScopeId": scope, "directoryScopeId": "/"},
		"unknown principal": {"principalId": "70000000-0000-4000-8000-0000000000ff", "roleDefinitionId": manager, "appScopeId": scope},
	} {
		if r := f.do("POST", emRoleAssignment, b); r.status != 400 {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	list := f.expect(f.do("GET", emRoleAssignment+"?$filter="+url.QueryEscape("appScopeId eq '"+scope+"'"), nil), 200).values()
	if len(list) != 1 || list[0]["roleDefinitionId"] != manager {
		t.Errorf("list %v", list)
	}
	none := f.expect(f.do("GET", emRoleAssignment+"?$filter="+url.QueryEscape("appScopeId eq '/AccessPackageCatalog/"+otherCatID+"'"), nil), 200).values()
	if len(none) != 0 {
		t.Errorf("other catalog %v", none)
	}
	f.expect(f.do("GET", emRoleAssignment+"?$filter="+url.QueryEscape("condition eq 'x'"), nil), 400)
	f.expect(f.do("GET", emRoleAssignment+"?$filter="+url.QueryEscape("startswith(appScopeId,'/Access')"), nil), 400)
}

func TestISODurations(t *testing.T) {
	for in, want := range map[string]string{"PT1H": "1h0m0s", "P14D": "336h0m0s", "PT1H30M": "1h30m0s", "P1DT2H": "26h0m0s", "P1W": "168h0m0s"} {
		d, err := parseISODuration(in)
		if err != nil || d.String() != want {
			t.Errorf("%s: %v %v", in, d, err)
		}
	}
	for _, bad := range []string{"", "P", "1H", "PT1", "P1Y", "PTH", "P1M"} {
		if _, err := parseISODuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// exerciseGovernance drives every governance route for the contract test.
func exerciseGovernance(t *testing.T, f *fixture, ok okFunc) {
	t.Helper()
	addResetPackage(f.d)
	x := ok("POST", extensionsPath(emCatalogID), extensionBody("mfa-reset"), 201).str("id")
	ok("GET", extensionsPath(emCatalogID), nil, 200)
	ok("PUT", policyPath, map[string]any{"displayName": "Approved MFA reset", "description": "x",
		"allowedTargetScope": "allMemberUsers", "specificAllowedTargets": []any{},
		"expiration":        map[string]any{"type": "afterDuration", "duration": "PT8H"},
		"requestorSettings": map[string]any{"enableTargetsToSelfAddAccess": true, "onBehalfRequestors": []any{}},
		"requestApprovalSettings": map[string]any{"isApprovalRequiredForAdd": true, "stages": []any{map[string]any{
			"approverInformationVisibility": "default", "durationBeforeAutomaticDenial": "P2D",
			"primaryApprovers": []any{map[string]any{"@odata.type": "#microsoft.graph.requestorManager", "managerLevel": 1}}}}},
		"questions": []any{map[string]any{"@odata.type": "#microsoft.graph.accessPackageMultipleChoiceQuestion", "text": "Lost what?",
			"choices": []any{map[string]any{"actualValue": "phone", "text": "Phone", "localizations": []any{}}}}},
		"accessPackage":                map[string]any{"id": emPackageID},
		"customExtensionStageSettings": stageBody("assignmentRequestApproved", x)}, 200)
	ok("GET", policyPath+"?$expand="+url.QueryEscape("accessPackage,catalog,questions,customExtensionStageSettings($expand=customExtension)"), nil, 200)
	ok("POST", emRoleAssignment, map[string]any{"principalId": miObjectID,
		"roleDefinitionId": "e2182095-804a-4656-ae11-64734e9b7ae5", "appScopeId": "/AccessPackageCatalog/" + emCatalogID}, 201)
	ok("GET", emRoleAssignment+"?$filter="+url.QueryEscape("appScopeId eq '/AccessPackageCatalog/"+emCatalogID+"'"), nil, 200)
	if !slices.Contains(catalogScopedRoles, "e2182095-804a-4656-ae11-64734e9b7ae5") {
		t.Fatal("assignment manager role missing")
	}
}
