package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

const (
	emCatalog  = "50000000-0000-4000-8000-000000000001"
	emPackage  = "50000000-0000-4000-8000-000000000002"
	emPolicy   = "50000000-0000-4000-8000-000000000003"
	emIdentity = "70000000-0000-4000-8000-000000000002"
)

func governanceRig(t *testing.T) (*graphtest.Rig, *graph.TenantAdmin) {
	t.Helper()
	g := graphtest.New(t, graphdouble.Options{})
	g.Double.AddAccessPackage(graphdouble.Catalog{ID: emCatalog, DisplayName: "MFA recovery"},
		graphdouble.AccessPackage{ID: emPackage, DisplayName: "MFA reset"},
		graphdouble.NewRequestPolicy(emPolicy, emPackage, "Approved MFA reset", "20000000-0000-4000-8000-000000000002"))
	g.Double.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.ServicePrincipals = append(tn.Setup.ServicePrincipals, &graphdouble.ServicePrincipal{
			ID: emIdentity, AppID: "70000000-0000-4000-8000-000000000001", DisplayName: "func", ServicePrincipalType: "ManagedIdentity"})
	})
	return g, graph.NewTenantAdmin(g.Client, graph.Pacing{})
}

func relayExtension() directory.CustomExtension {
	return directory.CustomExtension{DisplayName: "mfa-reset", Description: "relay", Kind: directory.RequestWorkflowExtension,
		LogicApp:       directory.LogicApp{SubscriptionID: "0b0c0d0e-0000-4000-8000-000000000001", ResourceGroup: "rg-MFA", Workflow: "relay-x"},
		Authentication: "azureAdPopTokenAuthentication", CallbackTimeout: time.Hour}
}

// The extension goes out as the documented request and comes back, through
// the SDK's polymorphic models, as it was sent.
func TestCustomExtensionRoundTrip(t *testing.T) {
	g, admin := governanceRig(t)
	ctx := context.Background()
	want := relayExtension()
	created, err := admin.CreateCustomExtension(ctx, emCatalog, want)
	if err != nil {
		t.Fatal(err)
	}
	want.ID = created.ID
	if !reflect.DeepEqual(created, want) {
		t.Errorf("created %+v\nwant    %+v", created, want)
	}
	list, err := admin.CustomExtensions(ctx, emCatalog)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], want) {
		t.Errorf("listed %+v %v", list, err)
	}
	var sent map[string]any
	if err := g.Double.RequestsMatching("POST", "/v1.0/identityGovernance/entitlementManagement/catalogs/*/customWorkflowExtensions")[0].DecodeBody(&sent); err != nil {
		t.Fatal(err)
	}
	if cb := sent["callbackConfiguration"].(map[string]any); cb["timeoutDuration"] != "PT1H" || sent["@odata.type"] != "#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension" {
		t.Errorf("sent %v", sent)
	}
	if _, err := admin.CustomExtensions(ctx, "50000000-0000-4000-8000-0000000000ff"); !errors.Is(err, directory.ErrNotFound) {
		t.Errorf("unknown catalog: %v", err)
	}
	continueOnly := relayExtension()
	continueOnly.CallbackTimeout = 0
	if x, err := admin.CreateCustomExtension(ctx, emCatalog, continueOnly); err != nil || x.CallbackTimeout != 0 {
		t.Errorf("launch and continue: %+v %v", x, err)
	}
}

// A policy is replaced whole: setting the stages sends every other
// property back as read, questions included.
func TestSetPolicyStagesKeepsTheRestOfThePolicy(t *testing.T) {
	g, admin := governanceRig(t)
	ctx := context.Background()
	x, err := admin.CreateCustomExtension(ctx, emCatalog, relayExtension())
	if err != nil {
		t.Fatal(err)
	}
	g.Double.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.Governance.Policies[0].Questions = []map[string]any{{"@odata.type": "#microsoft.graph.accessPackageTextInputQuestion",
			"id": "q1", "text": "Which device did you lose?", "isRequired": true, "sequence": 1, "localizations": []any{},
			"isAnswerEditable": nil, "isSingleLineQuestion": true, "regexPattern": nil}}
	})
	before := g.Double.Snapshot().Setup.Governance.Policies[0]

	stages := []directory.StageSetting{{Stage: "assignmentRequestApproved", ExtensionID: x.ID, ExtensionKind: directory.RequestWorkflowExtension}}
	if err := admin.SetPolicyStages(ctx, emPolicy, stages); err != nil {
		t.Fatal(err)
	}
	after := g.Double.Snapshot().Setup.Governance.Policies[0]
	if !reflect.DeepEqual(jsonOf(t, after.Body), jsonOf(t, before.Body)) || !reflect.DeepEqual(jsonOf(t, after.Questions), jsonOf(t, before.Questions)) {
		t.Errorf("the PUT changed more than the stages:\nbefore %v\nafter  %v", jsonOf(t, before), jsonOf(t, after))
	}
	p, err := admin.AssignmentPolicy(ctx, emPolicy)
	want := directory.AssignmentPolicy{ID: emPolicy, DisplayName: "Approved MFA reset", AccessPackageID: emPackage,
		CatalogID: emCatalog, Stages: stages}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Errorf("read back %+v %v", p, err)
	}
	if err := admin.SetPolicyStages(ctx, emPolicy, nil); err != nil {
		t.Fatal(err)
	}
	if p, _ := admin.AssignmentPolicy(ctx, emPolicy); len(p.Stages) != 0 {
		t.Errorf("stages left: %v", p.Stages)
	}
}

func TestCatalogRoleAssignment(t *testing.T) {
	_, admin := governanceRig(t)
	ctx := context.Background()
	a, err := admin.AssignCatalogRole(ctx, emCatalog, emIdentity, directory.AccessPackageAssignmentManagerRole)
	if err != nil || a.CatalogID != emCatalog || a.PrincipalID != emIdentity {
		t.Fatalf("assigned %+v %v", a, err)
	}
	list, err := admin.CatalogRoleAssignments(ctx, emCatalog)
	if err != nil || len(list) != 1 || list[0] != a {
		t.Errorf("listed %+v %v", list, err)
	}
	if _, err := admin.AssignCatalogRole(ctx, emCatalog, emIdentity, directory.AccessPackageAssignmentManagerRole); err == nil {
		t.Error("a second assignment was accepted")
	}
}

// jsonOf compares values as JSON sees them (json.Number and float64 alike).
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
