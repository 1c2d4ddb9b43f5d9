package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	catalogID = "50000000-0000-4000-8000-000000000001"
	packageID = "50000000-0000-4000-8000-000000000002"
	policyID  = "50000000-0000-4000-8000-000000000003"
	approvers = "20000000-0000-4000-8000-000000000002"
	relayPath = "/subscriptions/0b0c0d0e-0000-4000-8000-000000000001/resourceGroups/rg-MFA-recovery/providers/Microsoft.Logic/workflows/la-mfa-relay"
)

// pkgArgs name the MFA reset access package's catalog, the relay and the
// policy, as an administrator passes them.
var pkgArgs = []string{"--catalog", catalogID, "--relay", relayPath, "--policy", policyID}

// addResetPackage is the access package a person made in Identity
// Governance: a catalog, the package, a two-stage approval policy with a
// question; no custom extension yet.
func (r *rig) addResetPackage() {
	p := graphdouble.NewRequestPolicy(policyID, packageID, "Approved MFA reset", approvers)
	p.Questions = []map[string]any{{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion", "id": "q1",
		"text": "Which device did you lose?", "isRequired": true, "isAnswerEditable": nil, "sequence": 1,
		"localizations": []any{}, "isSingleLineQuestion": true, "regexPattern": nil}}
	r.Double.AddAccessPackage(graphdouble.Catalog{ID: catalogID, DisplayName: "MFA recovery"},
		graphdouble.AccessPackage{ID: packageID, DisplayName: "MFA reset"}, p)
}

func (r *rig) governance() graphdouble.Governance { return r.Double.Snapshot().Setup.Governance }

// emWrites counts entitlement management writes.
func (r *rig) emWrites() int {
	n := 0
	for _, e := range r.Double.Requests() {
		if e.Method != http.MethodGet && strings.Contains(e.Path, "/entitlementManagement/") {
			n++
		}
	}
	return n
}

// withSettings makes setup read testdata/settings.json with overrides.
func (r *rig) withSettings(t *testing.T, overrides map[string]string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/settings.json")
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	values := file["Values"].(map[string]any)
	for k, v := range overrides {
		values[k] = v
	}
	b, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	r.settings = filepath.Join(t.TempDir(), "local.settings.json")
	if err := os.WriteFile(r.settings, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAccessPackagePlanOnAFreshTenant(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	out := r.run(t, pkgArgs...)
	golden(t, "plan-access-package", out)
	if n := r.writes(); n != 0 {
		t.Errorf("plan sent %d writes", n)
	}
}

// apply creates the extension as documented, attaches it at RESET_STAGES,
// gives the identity its catalog role, keeps the rest of the policy, and
// a second apply changes nothing.
func TestAccessPackageApplyThenApplyAgain(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	before := r.governance().Policies[0]
	out := r.run(t, append([]string{"apply"}, pkgArgs...)...)
	if !strings.Contains(out, "a new plan finds none") {
		t.Fatalf("apply:\n%s", out)
	}
	gov := r.governance()
	if len(gov.Extensions) != 1 {
		t.Fatalf("%d extensions", len(gov.Extensions))
	}
	x := gov.Extensions[0]
	ep := x.Body["endpointConfiguration"].(map[string]any)
	cb := x.Body["callbackConfiguration"].(map[string]any)
	if x.Body["displayName"] != "mfa-reset" || ep["resourceGroupName"] != "rg-MFA-recovery" || ep["logicAppWorkflowName"] != "la-mfa-relay" ||
		ep["subscriptionId"] != "0b0c0d0e-0000-4000-8000-000000000001" || cb["timeoutDuration"] != "PT1H" ||
		x.Body["authenticationConfiguration"].(map[string]any)["@odata.type"] != "#microsoft.graph.azureAdPopTokenAuthentication" {
		t.Errorf("extension %v", x.Body)
	}
	after := gov.Policies[0]
	if want := []graphdouble.StageSetting{{ID: after.Stages[0].ID, Stage: "assignmentRequestApproved", ExtensionID: x.ID}}; !slices.Equal(after.Stages, want) {
		t.Errorf("stages %v", after.Stages)
	}
	if !sameJSON(t, after.Body, before.Body) || !sameJSON(t, after.Questions, before.Questions) {
		t.Errorf("the policy changed beyond its stages:\n%v\n%v", before, after)
	}
	if len(gov.RoleAssignments) != 1 || gov.RoleAssignments[0].PrincipalID != miObjectID ||
		gov.RoleAssignments[0].RoleDefinitionID != directory.AccessPackageAssignmentManagerRole ||
		gov.RoleAssignments[0].AppScopeID != "/AccessPackageCatalog/"+catalogID {
		t.Errorf("role assignments %+v", gov.RoleAssignments)
	}
	if granted := grantedValues(t, r); slices.Contains(granted, "EntitlementManagement.ReadWrite.All") {
		t.Errorf("the tenant-wide entitlement permission was granted: %v", granted)
	}

	writes := r.writes()
	again := r.run(t, append([]string{"apply"}, pkgArgs...)...)
	if r.writes() != writes || !strings.Contains(again, "No changes: the tenant matches the plan.") {
		t.Errorf("the second apply wrote %d times:\n%s", r.writes()-writes, again)
	}
	for _, want := range []string{`= custom extension "mfa-reset" (` + x.ID + `)`,
		`= stage assignmentRequestApproved of policy "Approved MFA reset" (` + policyID + `) runs "mfa-reset"`,
		"= catalog role Access package assignment manager on catalog " + catalogID} {
		if !strings.Contains(again, want) {
			t.Errorf("missing %q in:\n%s", want, again)
		}
	}
}

func TestAccessPackageVerify(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	out, err := r.try(append([]string{"verify"}, pkgArgs...)...)
	if err == nil {
		t.Fatalf("verify passed a tenant without the extension:\n%s", out)
	}
	for _, want := range []string{
		"FAIL  access package custom extension \"mfa-reset\": Logic App la-mfa-relay in rg-MFA-recovery, proof-of-possession tokens, launch and wait up to 1h: missing\n      fix: setup apply",
		"FAIL  access package stage assignmentRequestApproved of policy \"Approved MFA reset\" (" + policyID + ") runs \"mfa-reset\": missing",
		"FAIL  permission catalog role Access package assignment manager on catalog " + catalogID + ": missing",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	r.run(t, append([]string{"apply"}, pkgArgs...)...)
	r.Double.Update(func(tn *graphdouble.Tenant) {
		tn.TAPPolicy.IsUsableOnce = true
		tn.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true}
	})
	r.clk.Advance(time.Second)
	out = r.run(t, append([]string{"verify"}, pkgArgs...)...)
	for _, want := range []string{"pass  access package custom extension \"mfa-reset\"", "pass  access package stage assignmentRequestApproved",
		"pass  permission catalog role Access package assignment manager", "0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// Without the catalog, verify cannot see these: it says how to look.
	out = r.run(t, "verify")
	if !strings.Contains(out, "check access package custom extension \"mfa-reset\" calling the relay Logic App") {
		t.Errorf("verify without --catalog:\n%s", out)
	}
}

// A stage the callout does not accept must not run the extension: the
// request would wait for a resume that never comes.
func TestStageOutsideResetStagesIsDetached(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	r.run(t, append([]string{"apply"}, pkgArgs...)...)
	r.withSettings(t, map[string]string{"RESET_STAGES": "assignmentRequestGranted"})
	plan := r.run(t, pkgArgs...)
	for _, want := range []string{`+ stage assignmentRequestGranted of policy "Approved MFA reset"`,
		`~ stage assignmentRequestApproved of policy "Approved MFA reset" (` + policyID + `): stop running "mfa-reset"`,
		"AccessPackageCallout refuses it"} {
		if !strings.Contains(plan, want) {
			t.Errorf("missing %q in:\n%s", want, plan)
		}
	}
	r.run(t, append([]string{"apply"}, pkgArgs...)...)
	stages := r.governance().Policies[0].Stages
	if len(stages) != 1 || stages[0].Stage != "assignmentRequestGranted" {
		t.Errorf("stages %v", stages)
	}
}

// Graph's refusal of the extension reaches the operator whole, with what
// to check; nothing after it is attempted.
func TestExtensionRefusedNamesTheFix(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	const refusal = "The Logic App could not be validated."
	r.Double.AddFault(graphdouble.Fault{Method: "POST", Path: "/v1.0/identityGovernance/entitlementManagement/catalogs/*/customWorkflowExtensions",
		Status: http.StatusBadRequest, Code: "BadRequest", Message: refusal})
	out, err := r.try(append([]string{"apply"}, pkgArgs...)...)
	if err == nil {
		t.Fatalf("apply succeeded:\n%s", out)
	}
	for _, want := range []string{refusal, "Logic App Contributor", relayPath, "microsoft-graph-docs-contrib#1231",
		"Identity Governance > Catalogs > " + catalogID + " > Custom extensions > Add", `named "mfa-reset"`, "run setup plan to see what is left"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in: %v", want, err)
		}
	}
	if n := r.Double.CountRequests("PUT", "/v1.0/identityGovernance/entitlementManagement/assignmentPolicies/*"); n != 0 {
		t.Errorf("%d policy PUTs after the refusal", n)
	}
}

// An extension of that name with other settings is reported, never
// rewritten, and never attached.
func TestExtensionThatDiffersIsReported(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	other := strings.Replace(relayPath, "la-mfa-relay", "la-old", 1)
	r.run(t, "apply", "--catalog", catalogID, "--relay", other)
	out := r.run(t, append([]string{"apply"}, pkgArgs...)...)
	for _, want := range []string{`! custom extension "mfa-reset" (`, ") differs: Logic App",
		"now Logic App la-old in rg-MFA-recovery", "! stages assignmentRequestApproved of policy", "fix the custom extension first"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	gov := r.governance()
	if len(gov.Extensions) != 1 || len(gov.Policies[0].Stages) != 0 {
		t.Errorf("extensions %d, stages %v", len(gov.Extensions), gov.Policies[0].Stages)
	}
	if v, err := r.try(append([]string{"verify"}, pkgArgs...)...); err == nil || !strings.Contains(v, "FAIL  access package custom extension") {
		t.Errorf("verify: %v\n%s", err, v)
	}
}

// A second extension calling the relay would start a second reset.
func TestAnotherExtensionCallingTheRelayIsReported(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	r.Double.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.Governance.Extensions = append(tn.Setup.Governance.Extensions, &graphdouble.CustomExtension{
			ID: "60000000-0000-4000-8000-0000000000e1", CatalogID: catalogID, Body: map[string]any{
				"@odata.type": "#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension", "displayName": "portal copy",
				"endpointConfiguration": map[string]any{"@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
					"subscriptionId": "0b0c0d0e-0000-4000-8000-000000000001", "resourceGroupName": "rg-mfa-recovery", "logicAppWorkflowName": "la-mfa-relay"},
				"authenticationConfiguration": map[string]any{"@odata.type": "#microsoft.graph.azureAdPopTokenAuthentication"}}})
	})
	out := r.run(t, pkgArgs...)
	if !strings.Contains(out, `! custom extension "portal copy" (60000000-0000-4000-8000-0000000000e1) also calls the relay`) ||
		!strings.Contains(out, "starts a second reset") {
		t.Errorf("plan:\n%s", out)
	}
}

func TestPolicyOfAnotherCatalogIsRefused(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	const otherCatalog = "50000000-0000-4000-8000-000000000021"
	r.Double.AddAccessPackage(graphdouble.Catalog{ID: otherCatalog, DisplayName: "Other"}, graphdouble.AccessPackage{ID: "50000000-0000-4000-8000-000000000022"})
	_, err := r.try("apply", "--catalog", otherCatalog, "--relay", relayPath, "--policy", policyID)
	if err == nil || !strings.Contains(err.Error(), "belongs to catalog "+catalogID) || r.emWrites() != 0 {
		t.Errorf("err %v, %d writes", err, r.emWrites())
	}
}

func TestAccessPackageInputsAreChecked(t *testing.T) {
	r := newRig(t)
	for _, args := range [][]string{
		{"--policy", policyID},
		{"--catalog", catalogID, "--relay", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Logic/workflows/w"},
		{"--catalog", catalogID},
		{"--catalog", catalogID, "--relay", relayPath, "--callback-timeout", "15d"},
		{"--catalog", catalogID, "--relay", relayPath, "--callback-timeout", "400h"},
		{"--catalog", "MFA recovery", "--relay", relayPath},
	} {
		if out, err := r.try(args...); err == nil {
			t.Errorf("%v accepted:\n%s", args, out)
		}
	}
	if r.writes() != 0 {
		t.Error("a refused run wrote")
	}
}

// Launch and continue (RESET_RESUME false): no callback, no catalog role.
func TestLaunchAndContinue(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	r.withSettings(t, map[string]string{"RESET_RESUME": "false"})
	r.run(t, append([]string{"apply"}, pkgArgs...)...)
	gov := r.governance()
	if cb := gov.Extensions[0].Body["callbackConfiguration"]; cb != nil || len(gov.RoleAssignments) != 0 {
		t.Errorf("callback %v, roles %v", cb, gov.RoleAssignments)
	}
}

// Roles the identity holds on the catalog beyond the assignment manager
// are reported for removal, never removed.
func TestExtraCatalogRoleIsReported(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	r.Double.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.Governance.RoleAssignments = append(tn.Setup.Governance.RoleAssignments, &graphdouble.CatalogRoleAssignment{
			ID: "ra-owner", PrincipalID: miObjectID, RoleDefinitionID: directory.CatalogOwnerRole, AppScopeID: "/AccessPackageCatalog/" + catalogID})
	})
	out := r.run(t, append([]string{"apply"}, pkgArgs...)...)
	if !strings.Contains(out, "! extra catalog role Catalog owner on catalog "+catalogID) ||
		!strings.Contains(out, "roleManagement/entitlementManagement/roleAssignments/ra-owner") {
		t.Errorf("apply:\n%s", out)
	}
	if len(r.governance().RoleAssignments) != 2 {
		t.Error("setup removed a role")
	}
}

// UserAuthenticationMethod.ReadWrite.All follows the two calls that need
// it: the default-method PATCH (phone resets) and FIDO2 creation options.
func TestBroadMethodPermissionFollowsPhoneAndFido2(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings map[string]string
		broad    bool
	}{
		{"no phone, no FIDO2", map[string]string{"RESET_METHOD_TYPES": "microsoftAuthenticator,softwareOath", "FIDO2_ENABLED": "false"}, false},
		{"FIDO2 enrollment", map[string]string{"RESET_METHOD_TYPES": "microsoftAuthenticator", "FIDO2_ENABLED": "true"}, true},
		{"phone reset", map[string]string{"RESET_METHOD_TYPES": "phone", "FIDO2_ENABLED": "false"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			r.withSettings(t, c.settings)
			r.run(t, "apply")
			granted := grantedValues(t, r)
			if got := slices.Contains(granted, "UserAuthenticationMethod.ReadWrite.All"); got != c.broad {
				t.Errorf("UserAuthenticationMethod.ReadWrite.All granted %v, want %v: %v", got, c.broad, granted)
			}
			if c.settings["FIDO2_ENABLED"] == "true" && !slices.Contains(granted, "UserAuthMethod-Passkey.ReadWrite.All") {
				t.Errorf("FIDO2 enrollment without the passkey permission: %v", granted)
			}
		})
	}
}

// sameJSON compares two values as JSON sees them (json.Number and float64
// alike, map order aside).
func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	return string(canonicalJSON(t, a)) == string(canonicalJSON(t, b))
}

func canonicalJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var plain any
	if err := json.Unmarshal(raw, &plain); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// In a cloud whose Graph offers no granular method permissions, every
// method row falls back to UserAuthenticationMethod.ReadWrite.All: it is
// granted once, and a second apply finds nothing to do.
func TestFallbacksToOnePermissionGrantItOnce(t *testing.T) {
	r := newRig(t)
	r.run(t) // Graph's service principal exists from the first read on
	r.Double.Update(func(tn *graphdouble.Tenant) {
		for _, sp := range tn.Setup.ServicePrincipals {
			if sp.AppID != graphdouble.MicrosoftGraphAppID {
				continue
			}
			for i := range sp.AppRoles {
				if strings.HasPrefix(sp.AppRoles[i].Value, "UserAuthMethod-") {
					sp.AppRoles[i].Disabled = true
				}
			}
		}
	})
	out := r.run(t, "apply")
	if !strings.Contains(out, "granted by the step above") || !strings.Contains(out, "a new plan finds none") {
		t.Fatalf("apply:\n%s", out)
	}
	n := 0
	for _, v := range grantedValues(t, r) {
		if v == "UserAuthenticationMethod.ReadWrite.All" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("UserAuthenticationMethod.ReadWrite.All granted %d times", n)
	}
}

func TestUnknownCatalogOrPolicySaysWhichIDToPass(t *testing.T) {
	r := newRig(t)
	r.addResetPackage()
	const missing = "50000000-0000-4000-8000-0000000000ff"
	if _, err := r.try("--catalog", missing, "--relay", relayPath); err == nil || !strings.Contains(err.Error(), "--catalog is the object id") {
		t.Errorf("unknown catalog: %v", err)
	}
	if _, err := r.try("--catalog", catalogID, "--relay", relayPath, "--policy", missing); err == nil || !strings.Contains(err.Error(), "--policy is the object id") {
		t.Errorf("unknown policy: %v", err)
	}
}
