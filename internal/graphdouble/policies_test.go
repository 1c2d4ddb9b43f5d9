package graphdouble

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
)

const (
	miAppID    = "70000000-0000-4000-8000-000000000001"
	miObjectID = "70000000-0000-4000-8000-000000000002"
)

// newPolicyFixture serves the seed tenant plus a managed identity, on a
// clock that moves only when told (the CA limit is per second).
func newPolicyFixture(t *testing.T) (*fixture, *clock.Fake) {
	clk := clock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f := newFixture(t, Options{Now: clk.Now})
	f.d.Update(func(tn *Tenant) { addManagedIdentity(tn) })
	return f, clk
}

func addManagedIdentity(tn *Tenant) {
	tn.Setup.ServicePrincipals = append(tn.Setup.ServicePrincipals, &ServicePrincipal{
		ID: miObjectID, AppID: miAppID, DisplayName: "mfa-recovery", ServicePrincipalType: "ManagedIdentity"})
}

func spFilter(appID string) string {
	return "/v1.0/servicePrincipals?$filter=" + url.QueryEscape("appId eq '"+appID+"'")
}

func TestServicePrincipalsByAppIDAndGrants(t *testing.T) {
	f, _ := newPolicyFixture(t)
	graph := f.expect(f.do("GET", spFilter(MicrosoftGraphAppID)+"&$select=id,appId,appRoles", nil), 200).values()
	if len(graph) != 1 || graph[0]["appId"] != MicrosoftGraphAppID || len(graph[0]["appRoles"].([]any)) != len(GraphPermissions) {
		t.Fatalf("Microsoft Graph's service principal: %v", graph)
	}
	// Undocumented filters and operators are refused, not ignored.
	f.expect(f.do("GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("notes eq 'x'"), nil), 400)
	f.expect(f.do("GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("appId ne 'x'"), nil), 400) // advanced without headers
	f.expect(f.do("GET", "/v1.0/servicePrincipals?$select=appRolez", nil), 400)

	grant := map[string]any{"principalId": miObjectID, "resourceId": graphServicePrincipalID, "appRoleId": AppRoleID("User.Read.All")}
	created := f.expect(f.do("POST", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments", grant), 201)
	if created.str("resourceDisplayName") != "Microsoft Graph" || created.str("principalType") != "ServicePrincipal" {
		t.Errorf("assignment answer %s", created.raw)
	}
	dup := f.expect(f.do("POST", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments", grant), 400)
	if dup.errorMessage() != "Permission being assigned already exists on the object" {
		t.Errorf("duplicate grant: %s", dup.raw)
	}
	grant["appRoleId"] = AppRoleID("User.RevokeSessions.All") // not offered by the default tenant
	f.expect(f.do("POST", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments", grant), 400)
	grant["appRoleId"], grant["principalId"] = AppRoleID("Mail.Send"), graphServicePrincipalID
	f.expect(f.do("POST", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments", grant), 400)

	list := f.expect(f.do("GET", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments", nil), 200).values()
	if len(list) != 1 || list[0]["appRoleId"] != AppRoleID("User.Read.All") {
		t.Errorf("assignments %v", list)
	}
}

func strengthBody() map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.authenticationStrengthPolicy",
		"displayName": "Passkey or one-time TAP", "allowedCombinations": []string{"fido2", "temporaryAccessPassOneTime"}}
}

func TestAuthenticationStrengths(t *testing.T) {
	f, _ := newPolicyFixture(t)
	a := f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies", strengthBody()), 201)
	id := a.str("id")
	if a.str("policyType") != "custom" || a.str("requirementsSatisfied") != "mfa" {
		t.Errorf("created strength %s", a.raw)
	}
	custom := f.expect(f.do("GET", "/v1.0/policies/authenticationStrengthPolicies?$filter="+url.QueryEscape("policyType eq 'custom'"), nil), 200).values()
	if len(custom) != 1 || custom[0]["id"] != id {
		t.Errorf("custom strengths %v", custom)
	}
	f.expect(f.do("GET", "/v1.0/policies/authenticationStrengthPolicies?$filter="+url.QueryEscape("startswith(displayName,'P')"), nil), 400)

	// Combinations change only through the action.
	f.expect(f.do("PATCH", "/v1.0/policies/authenticationStrengthPolicies/"+id, map[string]any{"allowedCombinations": []string{"fido2"}}), 400)
	f.expect(f.do("PATCH", "/v1.0/policies/authenticationStrengthPolicies/"+id, map[string]any{"description": "for recovery"}), 204)
	res := f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies/"+id+"/updateAllowedCombinations",
		map[string]any{"allowedCombinations": []string{"fido2"}}), 200)
	if got := res.body["previousCombinations"].([]any); len(got) != 2 {
		t.Errorf("update result %s", res.raw)
	}
	f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies/"+id+"/updateAllowedCombinations",
		map[string]any{"allowedCombinations": []string{"fido3"}}), 400)
	// Built-ins are immutable.
	f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004/updateAllowedCombinations",
		map[string]any{"allowedCombinations": []string{"fido2"}}), 400)
	weak := strengthBody()
	weak["allowedCombinations"] = []string{"password"}
	if r := f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies", weak), 201); r.str("requirementsSatisfied") != "none" {
		t.Errorf("password alone satisfies %q", r.str("requirementsSatisfied"))
	}
}

func caBody(strengthID string) map[string]any {
	return map[string]any{
		"displayName": "Register security info", "state": "enabledForReportingButNotEnforced",
		"conditions": map[string]any{
			"clientAppTypes": []string{"all"},
			"users": map[string]any{"includeUsers": []string{"All"}, "excludeGroups": []string{breakGlass},
				"excludeGuestsOrExternalUsers": map[string]any{
					"guestOrExternalUserTypes": "internalGuest,b2bCollaborationGuest",
					"externalTenants":          map[string]any{"@odata.type": "#microsoft.graph.conditionalAccessAllExternalTenants", "membershipKind": "all"}}},
			"applications": map[string]any{"includeUserActions": []string{"urn:user:registersecurityinfo"}},
		},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": []string{"compliantDevice"},
			"authenticationStrength": map[string]any{"id": strengthID}},
		"sessionControls": map[string]any{"signInFrequency": map[string]any{"isEnabled": true, "type": "hours", "value": 1,
			"frequencyInterval": "timeBased", "authenticationType": "primaryAndSecondaryAuthentication"}},
	}
}

func TestConditionalAccessThrottleHasNoRetryAfter(t *testing.T) {
	f, clk := newPolicyFixture(t)
	f.expect(f.do("GET", "/v1.0/identity/conditionalAccess/policies", nil), 200)
	second := f.expect(f.do("GET", "/v1.0/identity/conditionalAccess/policies", nil), 429)
	if second.header.Get("Retry-After") != "" {
		t.Errorf("CA 429 with Retry-After %q", second.header.Get("Retry-After"))
	}
	clk.Advance(999 * time.Millisecond)
	f.expect(f.do("GET", "/v1.0/identity/conditionalAccess/policies", nil), 429)
	clk.Advance(time.Millisecond) // refused requests do not count
	f.expect(f.do("GET", "/v1.0/identity/conditionalAccess/policies", nil), 200)
	f.expect(f.do("GET", "/v1.0/identity/conditionalAccess/policies?$filter="+url.QueryEscape("state eq 'enabled'"), nil), 400)
}

func TestConditionalAccessPolicies(t *testing.T) {
	f, clk := newPolicyFixture(t)
	strength := f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies", strengthBody()), 201).str("id")
	do := func(method, path string, body any, status int) response {
		t.Helper()
		clk.Advance(time.Second)
		return f.expect(f.do(method, "/v1.0/identity/conditionalAccess/policies"+path, body), status)
	}
	p := do("POST", "", caBody(strength), 201)
	id := p.str("id")
	gc := p.body["grantControls"].(map[string]any)
	if gc["authenticationStrength"].(map[string]any)["displayName"] != "Passkey or one-time TAP" {
		t.Errorf("strength not expanded: %s", p.raw)
	}
	if users := p.body["conditions"].(map[string]any)["users"].(map[string]any); len(users["includeRoles"].([]any)) != 0 {
		t.Errorf("unset collections must render as []: %v", users)
	}

	refused := map[string]func(b map[string]any){
		"mfa with a strength": func(b map[string]any) {
			b["grantControls"].(map[string]any)["builtInControls"] = []string{"mfa"}
		},
		"unknown strength": func(b map[string]any) {
			b["grantControls"].(map[string]any)["authenticationStrength"] = map[string]any{"id": "nope"}
		},
		"unknown user action": func(b map[string]any) {
			b["conditions"].(map[string]any)["applications"] = map[string]any{"includeUserActions": []string{"urn:user:registersecurityinfos"}}
		},
		"not an object id": func(b map[string]any) {
			b["conditions"].(map[string]any)["users"].(map[string]any)["excludeUsers"] = []string{"bree@contoso.example"}
		},
		"misspelt property": func(b map[string]any) { b["sessionControl"] = b["sessionControls"] },
		"bad state":         func(b map[string]any) { b["state"] = "reportOnly" },
	}
	for name, spoil := range refused {
		b := caBody(strength)
		spoil(b)
		if r := do("POST", "", b, 400); r.errorCode() == "" {
			t.Errorf("%s: %s", name, r.raw)
		}
	}

	do("PATCH", "/"+id, map[string]any{"state": "enabled", "conditions": map[string]any{"platforms": map[string]any{"includePlatforms": []string{"iOS"}}}}, 204)
	got := do("GET", "/"+id, nil, 200)
	cond := got.body["conditions"].(map[string]any)
	if got.str("state") != "enabled" || cond["applications"].(map[string]any)["includeUserActions"] == nil ||
		!slices.Equal(anyStrings(cond["platforms"].(map[string]any)["includePlatforms"]), []string{"iOS"}) {
		t.Errorf("PATCH must merge complex properties: %s", got.raw)
	}
	refs := f.expect(f.do("POST", "/v1.0/policies/authenticationStrengthPolicies/"+strength+"/updateAllowedCombinations",
		map[string]any{"allowedCombinations": []string{"fido2", "temporaryAccessPassOneTime"}}), 200)
	if r := anyStrings(refs.body["conditionalAccessReferences"]); !slices.Equal(r, []string{id}) {
		t.Errorf("conditionalAccessReferences %v", r)
	}
}

func TestMethodConfigurations(t *testing.T) {
	f, _ := newPolicyFixture(t)
	f.d.Update(func(tn *Tenant) { tn.Setup.Fido2 = Fido2Policy{Enabled: true} })
	tap := f.expect(f.do("GET", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", nil), 200)
	if tap.str("state") != "enabled" || tap.body["isUsableOnce"] != false {
		t.Errorf("TAP configuration %s", tap.raw)
	}
	fido := f.expect(f.do("GET", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2", nil), 200)
	if fido.str("state") != "enabled" || fido.body["isSelfServiceRegistrationAllowed"] != false {
		t.Errorf("FIDO2 configuration %s", fido.raw)
	}
	f.expect(f.do("GET", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Sms", nil), 404)
}

func TestServicePrincipalSelectListMatchesCSDL(t *testing.T) {
	v1, _ := loadCSDL(t)
	for _, n := range servicePrincipalProperties {
		if p, ok := v1.prop(g+"servicePrincipal", n); !ok || p.nav {
			t.Errorf("$select list: servicePrincipal has no property %q", n)
		}
	}
}

// exercisePolicies drives every setup route for the contract test, whose
// fixture runs on the wall clock: the CA limit is reset between calls.
func exercisePolicies(t *testing.T, f *fixture, ok okFunc) {
	t.Helper()
	f.d.Update(func(tn *Tenant) { addManagedIdentity(tn) })
	ca := func(method, path string, body any, status int) response {
		f.d.Update(func(tn *Tenant) { tn.Setup.lastCA = time.Time{} })
		return ok(method, "/v1.0/identity/conditionalAccess/policies"+path, body, status)
	}
	ok("GET", spFilter(MicrosoftGraphAppID), nil, 200)
	ok("GET", "/v1.0/servicePrincipals/"+miObjectID+"?$select=id,appId,displayName", nil, 200)
	ok("POST", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments",
		map[string]any{"principalId": miObjectID, "resourceId": graphServicePrincipalID, "appRoleId": AppRoleID("User.Read.All")}, 201)
	ok("GET", "/v1.0/servicePrincipals/"+miObjectID+"/appRoleAssignments", nil, 200)
	strength := ok("POST", "/v1.0/policies/authenticationStrengthPolicies", strengthBody(), 201).str("id")
	ok("GET", "/v1.0/policies/authenticationStrengthPolicies", nil, 200)
	ok("GET", "/v1.0/policies/authenticationStrengthPolicies/"+strength, nil, 200)
	ok("PATCH", "/v1.0/policies/authenticationStrengthPolicies/"+strength, map[string]any{"description": "x"}, 204)
	ok("POST", "/v1.0/policies/authenticationStrengthPolicies/"+strength+"/updateAllowedCombinations",
		map[string]any{"allowedCombinations": []string{"fido2", "temporaryAccessPassOneTime"}}, 200)
	id := ca("POST", "", caBody(strength), 201).str("id")
	ca("GET", "", nil, 200)
	ca("GET", "/"+id, nil, 200)
	ca("PATCH", "/"+id, map[string]any{"state": "enabled"}, 204)
	for _, m := range []string{"TemporaryAccessPass", "Fido2"} {
		ok("GET", "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/"+m, nil, 200)
	}
	exerciseGovernance(t, f, ok)
}
