package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Entitlement management for tools/setup: the MFA reset catalog's custom
// extension, the assignment policy's stage settings and the catalog role
// of the Function's identity (v1.0).

const graphNS = "#microsoft.graph."

// CustomExtensions implements directory.Tenant
// (accesspackagecatalog-list-accesspackagecustomworkflowextensions).
func (t *TenantAdmin) CustomExtensions(ctx context.Context, catalogID string) ([]directory.CustomExtension, error) {
	if !directory.IsObjectID(catalogID) {
		return nil, fmt.Errorf("list custom extensions: catalog %q is not a GUID", catalogID)
	}
	builder := t.c.sdk.IdentityGovernance().EntitlementManagement().Catalogs().ByAccessPackageCatalogId(catalogID).CustomWorkflowExtensions()
	var out []directory.CustomExtension
	err := walk(ctx, t.c, "list custom extensions",
		func(ctx context.Context) (models.CustomCalloutExtensionCollectionResponseable, error) {
			return builder.Get(ctx, nil)
		},
		func(ctx context.Context, next string) (models.CustomCalloutExtensionCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.CustomCalloutExtensionCollectionResponseable) {
			for _, x := range page.GetValue() {
				out = append(out, toCustomExtension(x))
			}
		})
	return out, err
}

func toCustomExtension(x models.CustomCalloutExtensionable) directory.CustomExtension {
	out := directory.CustomExtension{ID: deref(x.GetId()), DisplayName: deref(x.GetDisplayName()),
		Description: deref(x.GetDescription()), Kind: strings.TrimPrefix(deref(x.GetOdataType()), graphNS)}
	var cb models.CustomExtensionCallbackConfigurationable
	// Both kinds have the same methods, so the concrete types tell them apart.
	switch v := x.(type) {
	case *models.AccessPackageAssignmentRequestWorkflowExtension:
		out.Kind, cb = directory.RequestWorkflowExtension, v.GetCallbackConfiguration()
	case *models.AccessPackageAssignmentWorkflowExtension:
		out.Kind, cb = directory.AssignmentWorkflowExtension, v.GetCallbackConfiguration()
	}
	if cb != nil && cb.GetTimeoutDuration() != nil {
		out.CallbackTimeout, _ = cb.GetTimeoutDuration().ToDuration()
	}
	if ep, ok := x.GetEndpointConfiguration().(models.LogicAppTriggerEndpointConfigurationable); ok {
		out.LogicApp = directory.LogicApp{SubscriptionID: deref(ep.GetSubscriptionId()),
			ResourceGroup: deref(ep.GetResourceGroupName()), Workflow: deref(ep.GetLogicAppWorkflowName())}
	}
	if a := x.GetAuthenticationConfiguration(); a != nil {
		out.Authentication = strings.TrimPrefix(deref(a.GetOdataType()), graphNS)
	}
	return out
}

// CreateCustomExtension implements directory.Tenant with the documented
// request (accesspackagecatalog-post-accesspackagecustomworkflowextensions):
// a request workflow extension calling a Logic App with proof-of-possession
// tokens; a callback timeout makes it "launch and wait". Repeated only
// after a 429: a second POST would make a second extension.
func (t *TenantAdmin) CreateCustomExtension(ctx context.Context, catalogID string, x directory.CustomExtension) (directory.CustomExtension, error) {
	if !directory.IsObjectID(catalogID) {
		return directory.CustomExtension{}, fmt.Errorf("create custom extension: catalog %q is not a GUID", catalogID)
	}
	if x.Kind != directory.RequestWorkflowExtension || x.Authentication != "azureAdPopTokenAuthentication" {
		return directory.CustomExtension{}, fmt.Errorf("create custom extension: only a request workflow extension with proof-of-possession tokens is supported")
	}
	body := models.NewAccessPackageAssignmentRequestWorkflowExtension()
	body.SetDisplayName(&x.DisplayName)
	body.SetDescription(&x.Description)
	ep := models.NewLogicAppTriggerEndpointConfiguration()
	ep.SetSubscriptionId(&x.LogicApp.SubscriptionID)
	ep.SetResourceGroupName(&x.LogicApp.ResourceGroup)
	ep.SetLogicAppWorkflowName(&x.LogicApp.Workflow)
	body.SetEndpointConfiguration(ep)
	body.SetAuthenticationConfiguration(models.NewAzureAdPopTokenAuthentication())
	if x.CallbackTimeout > 0 {
		body.SetCallbackConfiguration(callbackConfiguration(x.CallbackTimeout))
	}
	var created models.CustomCalloutExtensionable
	err := t.c.do(ctx, "create custom extension", once, func(ctx context.Context) (err error) {
		created, err = t.c.sdk.IdentityGovernance().EntitlementManagement().Catalogs().ByAccessPackageCatalogId(catalogID).
			CustomWorkflowExtensions().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.CustomExtension{}, err
	}
	return toCustomExtension(created), nil
}

// callbackConfiguration names the abstract type as the documented request
// does ("@odata.type": "microsoft.graph.customExtensionCallbackConfiguration").
func callbackConfiguration(timeout time.Duration) models.CustomExtensionCallbackConfigurationable {
	cb := models.NewCustomExtensionCallbackConfiguration()
	typ := graphNS + "customExtensionCallbackConfiguration"
	cb.SetOdataType(&typ)
	cb.SetTimeoutDuration(serialization.FromDuration(timeout))
	return cb
}

// policyExpand reads what a whole-policy PUT must send back (the access
// package and the questions), the catalog, and the stage settings with
// their extensions (accesspackageassignmentpolicy-get,
// resources/customextensionstagesetting).
const policyExpand = "accessPackage,catalog,questions,customExtensionStageSettings($expand=customExtension)"

// AssignmentPolicy implements directory.Tenant.
func (t *TenantAdmin) AssignmentPolicy(ctx context.Context, policyID string) (directory.AssignmentPolicy, error) {
	raw, err := t.readPolicy(ctx, policyID)
	if err != nil {
		return directory.AssignmentPolicy{}, err
	}
	return toAssignmentPolicy(raw)
}

// policyJSON is what setup reads of a policy's JSON.
type policyJSON struct {
	ID            string `json:"id"`
	DisplayName   string `json:"displayName"`
	AccessPackage *struct {
		ID string `json:"id"`
	} `json:"accessPackage"`
	Catalog *struct {
		ID string `json:"id"`
	} `json:"catalog"`
	Stages []struct {
		Stage     string `json:"stage"`
		Extension *struct {
			Type string `json:"@odata.type"`
			ID   string `json:"id"`
		} `json:"customExtension"`
	} `json:"customExtensionStageSettings"`
}

func toAssignmentPolicy(raw map[string]any) (directory.AssignmentPolicy, error) {
	var p policyJSON
	if err := remarshal(raw, &p); err != nil {
		return directory.AssignmentPolicy{}, fmt.Errorf("graph read assignment policy: %w", err)
	}
	out := directory.AssignmentPolicy{ID: p.ID, DisplayName: p.DisplayName}
	if p.AccessPackage != nil {
		out.AccessPackageID = p.AccessPackage.ID
	}
	if p.Catalog != nil {
		out.CatalogID = p.Catalog.ID
	}
	for _, s := range p.Stages {
		st := directory.StageSetting{Stage: s.Stage}
		if s.Extension != nil {
			st.ExtensionID, st.ExtensionKind = s.Extension.ID, strings.TrimPrefix(s.Extension.Type, graphNS)
		}
		out.Stages = append(out.Stages, st)
	}
	return out, nil
}

// SetPolicyStages implements directory.Tenant. Graph updates a policy only
// whole (PUT, accesspackageassignmentpolicy-update: what is not sent is
// lost), so the policy is read afresh and sent back as read: every
// property, the access package by id, the questions; only the stage
// settings change. Sending the same settings twice is harmless, so it
// retries like a read.
func (t *TenantAdmin) SetPolicyStages(ctx context.Context, policyID string, stages []directory.StageSetting) error {
	raw, err := t.readPolicy(ctx, policyID)
	if err != nil {
		return err
	}
	body, err := policyPutBody(raw, stages)
	if err != nil {
		return fmt.Errorf("update assignment policy %s: %w", policyID, err)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("update assignment policy %s: %w", policyID, err)
	}
	target, err := t.policyURL(policyID, "")
	if err != nil {
		return err
	}
	return t.c.do(ctx, "update assignment policy", idempotent, func(ctx context.Context) error {
		_, err := t.c.send(ctx, abs.PUT, target, payload)
		return err
	})
}

func (t *TenantAdmin) readPolicy(ctx context.Context, policyID string) (map[string]any, error) {
	target, err := t.policyURL(policyID, policyExpand)
	if err != nil {
		return nil, err
	}
	var body []byte
	err = t.c.do(ctx, "read assignment policy", idempotent, func(ctx context.Context) (err error) {
		body, err = t.c.send(ctx, abs.GET, target, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers go back exactly as read
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, fmt.Errorf("graph read assignment policy: not a JSON object: %v", err)
	}
	return raw, nil
}

func (t *TenantAdmin) policyURL(policyID, expand string) (*url.URL, error) {
	if !directory.IsObjectID(policyID) {
		return nil, fmt.Errorf("assignment policy %q is not a GUID", policyID)
	}
	s := t.c.baseURL + "/identityGovernance/entitlementManagement/assignmentPolicies/" + policyID
	if expand != "" {
		s += "?" + url.Values{"$expand": {expand}}.Encode()
	}
	return url.Parse(s)
}

// readOnlyPolicyKeys are not part of an update: dates Graph keeps and the
// catalog, which follows the access package.
var readOnlyPolicyKeys = []string{"createdDateTime", "modifiedDateTime", "catalog"}

// policyPutBody is the policy as read, with the access package by id and
// the stage settings replaced; instance annotations (@odata.context) are
// dropped.
func policyPutBody(read map[string]any, stages []directory.StageSetting) (map[string]any, error) {
	body := map[string]any{}
	for k, v := range read {
		if !strings.HasPrefix(k, "@") && !slices.Contains(readOnlyPolicyKeys, k) {
			body[k] = v
		}
	}
	ap, _ := read["accessPackage"].(map[string]any)
	id, _ := ap["id"].(string)
	if id == "" {
		return nil, fmt.Errorf("the policy was read without its access package")
	}
	body["accessPackage"] = map[string]any{"id": id}
	settings := []any{}
	for _, s := range stages {
		settings = append(settings, map[string]any{"stage": s.Stage,
			"customExtension": map[string]any{"@odata.type": graphNS + s.ExtensionKind, "id": s.ExtensionID}})
	}
	body["customExtensionStageSettings"] = settings
	return body, nil
}

func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// catalogScope is the appScopeId of a catalog
// (rbacapplication-post-roleassignments).
func catalogScope(catalogID string) string {
	return "/AccessPackageCatalog/" + strings.ToLower(catalogID)
}

// CatalogRoleAssignments implements directory.Tenant with the documented
// $filter=appScopeId eq '/AccessPackageCatalog/{id}' (unifiedroleassignment).
func (t *TenantAdmin) CatalogRoleAssignments(ctx context.Context, catalogID string) ([]directory.CatalogRoleAssignment, error) {
	if !directory.IsObjectID(catalogID) {
		return nil, fmt.Errorf("list catalog roles: catalog %q is not a GUID", catalogID)
	}
	filter := "appScopeId eq '" + catalogScope(catalogID) + "'"
	cfg := &rolemanagement.EntitlementManagementRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.EntitlementManagementRoleAssignmentsRequestBuilderGetQueryParameters{Filter: &filter},
	}
	builder := t.c.sdk.RoleManagement().EntitlementManagement().RoleAssignments()
	var out []directory.CatalogRoleAssignment
	err := walk(ctx, t.c, "list catalog roles",
		func(ctx context.Context) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return builder.Get(ctx, cfg)
		},
		func(ctx context.Context, next string) (models.UnifiedRoleAssignmentCollectionResponseable, error) {
			return builder.WithUrl(next).Get(ctx, nil)
		},
		func(page models.UnifiedRoleAssignmentCollectionResponseable) {
			for _, a := range page.GetValue() {
				out = append(out, toCatalogRoleAssignment(a))
			}
		})
	return out, err
}

func toCatalogRoleAssignment(a models.UnifiedRoleAssignmentable) directory.CatalogRoleAssignment {
	catalog, _ := strings.CutPrefix(deref(a.GetAppScopeId()), "/AccessPackageCatalog/")
	return directory.CatalogRoleAssignment{ID: deref(a.GetId()), PrincipalID: strings.ToLower(deref(a.GetPrincipalId())),
		RoleDefinitionID: strings.ToLower(deref(a.GetRoleDefinitionId())), CatalogID: strings.ToLower(catalog)}
}

// AssignCatalogRole implements directory.Tenant ("Create a role assignment
// with access package catalog scope", rbacapplication-post-roleassignments).
// Repeated only after a 429.
func (t *TenantAdmin) AssignCatalogRole(ctx context.Context, catalogID, principalID, roleDefinitionID string) (directory.CatalogRoleAssignment, error) {
	for _, id := range []string{catalogID, principalID, roleDefinitionID} {
		if !directory.IsObjectID(id) {
			return directory.CatalogRoleAssignment{}, fmt.Errorf("assign catalog role: %q is not a GUID", id)
		}
	}
	body := models.NewUnifiedRoleAssignment()
	principal, role, scope := strings.ToLower(principalID), strings.ToLower(roleDefinitionID), catalogScope(catalogID)
	body.SetPrincipalId(&principal)
	body.SetRoleDefinitionId(&role)
	body.SetAppScopeId(&scope)
	var created models.UnifiedRoleAssignmentable
	err := t.c.do(ctx, "assign catalog role", once, func(ctx context.Context) (err error) {
		created, err = t.c.sdk.RoleManagement().EntitlementManagement().RoleAssignments().Post(ctx, body, nil)
		return err
	})
	if err != nil {
		return directory.CatalogRoleAssignment{}, err
	}
	return toCatalogRoleAssignment(created), nil
}
