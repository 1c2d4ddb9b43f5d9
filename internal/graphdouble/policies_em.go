package graphdouble

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Entitlement management as tools/setup configures the MFA reset access
// package (v1.0):
//   GET  /identityGovernance/entitlementManagement/catalogs/{id}/customWorkflowExtensions
//        (accesspackagecatalog-list-accesspackagecustomworkflowextensions)
//   POST the same → 201 (accesspackagecatalog-post-accesspackagecustomworkflowextensions)
//   GET  /identityGovernance/entitlementManagement/assignmentPolicies/{id}?$expand=…
//        (accesspackageassignmentpolicy-get)
//   PUT  the same → 200, the policy replaced whole (accesspackageassignmentpolicy-update)
//   GET  /roleManagement/entitlementManagement/roleAssignments?$filter=…
//        (rbacapplication-list-roleassignments)
//   POST the same → 201 (rbacapplication-post-roleassignments, "Create a
//        role assignment with access package catalog scope")

// Governance is the part of entitlement management setup configures.
type Governance struct {
	Catalogs        []*Catalog               `json:"catalogs,omitempty"`
	AccessPackages  []*AccessPackage         `json:"accessPackages,omitempty"`
	Extensions      []*CustomExtension       `json:"customWorkflowExtensions,omitempty"`
	Policies        []*AssignmentPolicy      `json:"assignmentPolicies,omitempty"`
	RoleAssignments []*CatalogRoleAssignment `json:"roleAssignments,omitempty"`
}

// Catalog is an access package catalog.
type Catalog struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// AccessPackage belongs to one catalog.
type AccessPackage struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	CatalogID   string `json:"catalogId"`
}

// CustomExtension is a catalog's custom workflow extension. Body is the
// extension as created (checked against the schema), without its id and
// dates.
type CustomExtension struct {
	ID              string         `json:"id"`
	CatalogID       string         `json:"catalogId"`
	Body            map[string]any `json:"body"`
	CreatedDateTime time.Time      `json:"createdDateTime,omitzero"`
}

// AssignmentPolicy is an access package assignment policy. Body holds its
// properties as Graph renders them (displayName, requestApprovalSettings,
// ...), without id, dates or navigation properties, which live beside it.
type AssignmentPolicy struct {
	ID               string           `json:"id"`
	AccessPackageID  string           `json:"accessPackageId"`
	Body             map[string]any   `json:"body"`
	Questions        []map[string]any `json:"questions,omitempty"`
	Stages           []StageSetting   `json:"customExtensionStageSettings,omitempty"`
	CreatedDateTime  time.Time        `json:"createdDateTime,omitzero"`
	ModifiedDateTime time.Time        `json:"modifiedDateTime,omitzero"`
}

// StageSetting runs a custom extension at a stage of the policy.
type StageSetting struct {
	ID          string `json:"id"`
	Stage       string `json:"stage"`
	ExtensionID string `json:"customExtensionId"`
}

// CatalogRoleAssignment is an entitlement management role assignment:
// scoped to a catalog by AppScopeID "/AccessPackageCatalog/{id}", or
// tenant-wide by DirectoryScopeID "/" (catalog creator).
type CatalogRoleAssignment struct {
	ID               string `json:"id"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	AppScopeID       string `json:"appScopeId,omitempty"`
	DirectoryScopeID string `json:"directoryScopeId,omitempty"`
}

// Entitlement management role definitions
// (entra-docs id-governance/entitlement-management-delegate.md): the
// catalog creator is tenant-wide, the others are assigned per catalog.
const (
	roleCatalogCreator = "ba92d953-d8e0-4e39-a797-0cbedb0a89e8"
)

var catalogScopedRoles = []string{
	"ae79f266-94d4-4dab-b730-feca7e132178", // catalog owner
	"44272f93-9762-48e8-af59-1b5351b1d6b3", // catalog reader
	"7f480852-ebdc-47d4-87de-0d8498384a83", // access package manager
	"e2182095-804a-4656-ae11-64734e9b7ae5", // access package assignment manager
}

// Limits from id-governance/governance-service-limits.md.
const (
	maxExtensionsPerCatalog = 20
	maxStageSettingsPolicy  = 5
)

// Callback timeout bounds for entitlement management
// (resources/customextensioncallbackconfiguration: "between 5 minutes and
// 14 days").
const (
	minCallbackTimeout = 5 * time.Minute
	maxCallbackTimeout = 14 * 24 * time.Hour
)

// requestStages run request workflow extensions; the expiration stages
// run assignment workflow extensions (resources/customextensionstagesetting).
var requestStages = []string{"assignmentRequestCreated", "assignmentRequestApproved",
	"assignmentRequestGranted", "assignmentRequestRemoved"}

// NewRequestPolicy returns a request-based policy as the portal creates one
// for an approved MFA reset: two approval stages (the requestor's manager,
// then a group), no self-approval, eight-hour assignments.
func NewRequestPolicy(id, accessPackageID, displayName, approverGroupID string) *AssignmentPolicy {
	approvers := func(subject map[string]any) []any { return []any{subject} }
	stage := func(subject map[string]any) map[string]any {
		return map[string]any{
			"durationBeforeAutomaticDenial": "P2D", "isApproverJustificationRequired": true,
			"isEscalationEnabled": false, "durationBeforeEscalation": "PT0S", "approverInformationVisibility": "default",
			"primaryApprovers": approvers(subject), "fallbackPrimaryApprovers": []any{},
			"escalationApprovers": []any{}, "fallbackEscalationApprovers": []any{},
		}
	}
	return &AssignmentPolicy{ID: id, AccessPackageID: accessPackageID, Body: map[string]any{
		"displayName": displayName, "description": "Approved MFA reset", "allowedTargetScope": "allMemberUsers",
		"specificAllowedTargets": []any{}, "automaticRequestSettings": nil,
		"expiration": map[string]any{"type": "afterDuration", "duration": "PT8H", "endDateTime": nil},
		"requestorSettings": map[string]any{
			"enableTargetsToSelfAddAccess": true, "enableTargetsToSelfUpdateAccess": false,
			"enableTargetsToSelfRemoveAccess": true, "allowCustomAssignmentSchedule": false,
			"enableOnBehalfRequestorsToAddAccess": false, "enableOnBehalfRequestorsToUpdateAccess": false,
			"enableOnBehalfRequestorsToRemoveAccess": false, "onBehalfRequestors": []any{},
		},
		"requestApprovalSettings": map[string]any{
			"isApprovalRequiredForAdd": true, "isApprovalRequiredForUpdate": false, "isRequestorJustificationRequired": true,
			"stages": []any{
				stage(map[string]any{"@odata.type": "#microsoft.graph.requestorManager", "managerLevel": 1}),
				stage(map[string]any{"@odata.type": "#microsoft.graph.groupMembers", "groupId": approverGroupID, "description": "IT security"}),
			},
		},
		"reviewSettings": nil, "notificationSettings": map[string]any{"isAssignmentNotificationDisabled": false},
	}}
}

// byID finds an item by id, as Graph does: ids are case-insensitive.
func byID[T any](list []*T, id string, idOf func(*T) string) *T {
	for _, x := range list {
		if strings.EqualFold(idOf(x), id) {
			return x
		}
	}
	return nil
}

func (g *Governance) catalog(id string) *Catalog {
	return byID(g.Catalogs, id, func(x *Catalog) string { return x.ID })
}

func (g *Governance) accessPackage(id string) *AccessPackage {
	return byID(g.AccessPackages, id, func(x *AccessPackage) string { return x.ID })
}

func (g *Governance) extension(id string) *CustomExtension {
	return byID(g.Extensions, id, func(x *CustomExtension) string { return x.ID })
}

func (g *Governance) policy(id string) *AssignmentPolicy {
	return byID(g.Policies, id, func(x *AssignmentPolicy) string { return x.ID })
}

// policyCatalog is the catalog of the policy's access package.
func (g *Governance) policyCatalog(p *AssignmentPolicy) string {
	if ap := g.accessPackage(p.AccessPackageID); ap != nil {
		return ap.CatalogID
	}
	return ""
}

func (g Governance) clone() Governance {
	c := g
	c.Catalogs = cloneEach(g.Catalogs, func(x *Catalog) *Catalog { n := *x; return &n })
	c.AccessPackages = cloneEach(g.AccessPackages, func(x *AccessPackage) *AccessPackage { n := *x; return &n })
	c.Extensions = cloneEach(g.Extensions, func(x *CustomExtension) *CustomExtension {
		n := *x
		n.Body = deepCopyJSON(x.Body)
		return &n
	})
	c.Policies = cloneEach(g.Policies, func(x *AssignmentPolicy) *AssignmentPolicy {
		n := *x
		n.Body = deepCopyJSON(x.Body)
		n.Questions = nil
		for _, q := range x.Questions {
			n.Questions = append(n.Questions, deepCopyJSON(q))
		}
		n.Stages = slices.Clone(x.Stages)
		return &n
	})
	c.RoleAssignments = cloneEach(g.RoleAssignments, func(x *CatalogRoleAssignment) *CatalogRoleAssignment { n := *x; return &n })
	return c
}

const emPath = "identityGovernance/entitlementManagement/"

// renderExtension answers an extension as Graph does: every property of
// its type, and the Logic App's trigger URL Graph resolves.
func renderExtension(x *CustomExtension) map[string]any {
	obj := deepCopyJSON(x.Body)
	obj["id"] = x.ID
	obj["createdDateTime"] = timeOrNil(x.CreatedDateTime)
	obj["lastModifiedDateTime"] = timeOrNil(x.CreatedDateTime)
	if ep, ok := obj["endpointConfiguration"].(map[string]any); ok && isLogicAppEndpoint(ep) {
		sum := sha256.Sum256([]byte(str(ep["subscriptionId"]) + "/" + str(ep["resourceGroupName"]) + "/" + str(ep["logicAppWorkflowName"])))
		ep["url"] = fmt.Sprintf("https://prod-00.westeurope.logic.azure.com:443/workflows/%x/triggers/manual/paths/invoke?api-version=2016-10-01", sum[:16])
	}
	return requestSchema.normalize(strings.TrimPrefix(str(obj["@odata.type"]), "#"), obj)
}

func isLogicAppEndpoint(ep map[string]any) bool {
	return strings.TrimPrefix(str(ep["@odata.type"]), "#") == g+"logicAppTriggerEndpointConfiguration"
}

func listCustomExtensions(c *call) {
	gov := &c.t.Setup.Governance
	cat := gov.catalog(c.p["catalog"])
	if cat == nil {
		c.notFound(c.p["catalog"])
		return
	}
	items := []map[string]any{}
	for _, x := range gov.Extensions {
		if strings.EqualFold(x.CatalogID, cat.ID) {
			items = append(items, renderExtension(x))
		}
	}
	c.page(items, 999, emPath+"catalogs('"+cat.ID+"')/customWorkflowExtensions")
}

func postCustomExtension(c *call) {
	gov := &c.t.Setup.Governance
	cat := gov.catalog(c.p["catalog"])
	if cat == nil {
		c.notFound(c.p["catalog"])
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	if msg := extensionProblem(body); msg != "" {
		c.badRequest(msg)
		return
	}
	n := 0
	for _, x := range gov.Extensions {
		if strings.EqualFold(x.CatalogID, cat.ID) {
			n++
		}
	}
	if n >= maxExtensionsPerCatalog {
		c.badRequest("A catalog can hold at most 20 custom extensions (governance-service-limits).")
		return
	}
	stored := deepCopyJSON(body)
	for _, k := range []string{"id", "createdDateTime", "lastModifiedDateTime", "createdBy", "lastModifiedBy"} {
		delete(stored, k)
	}
	x := &CustomExtension{ID: newID(), CatalogID: cat.ID, Body: stored, CreatedDateTime: c.d.now()}
	gov.Extensions = append(gov.Extensions, x)
	c.entity(http.StatusCreated, emPath+"catalogs('"+cat.ID+"')/customWorkflowExtensions/$entity", renderExtension(x))
}

// extensionProblem returns Graph's documented reason to refuse a new
// access package custom extension, or "".
func extensionProblem(body map[string]any) string {
	const doc = " (accesspackagecatalog-post-accesspackagecustomworkflowextensions)"
	typ := strings.TrimPrefix(str(body["@odata.type"]), "#")
	if typ != g+"accessPackageAssignmentRequestWorkflowExtension" && typ != g+"accessPackageAssignmentWorkflowExtension" {
		return "@odata.type must be #microsoft.graph.accessPackageAssignmentRequestWorkflowExtension or " +
			"#microsoft.graph.accessPackageAssignmentWorkflowExtension" + doc + "."
	}
	if strings.TrimSpace(str(body["displayName"])) == "" {
		return "displayName is required" + doc + "."
	}
	if _, ok := body["authenticationConfiguration"].(map[string]any); !ok {
		return "authenticationConfiguration is required" + doc + "."
	}
	ep, ok := body["endpointConfiguration"].(map[string]any)
	if !ok {
		return "endpointConfiguration is required" + doc + "."
	}
	if !isLogicAppEndpoint(ep) {
		return "Entitlement management custom extensions call a Logic App: endpointConfiguration must be a " +
			"logicAppTriggerEndpointConfiguration (resources/customextensionendpointconfiguration)."
	}
	if !guidRE.MatchString(str(ep["subscriptionId"])) || str(ep["resourceGroupName"]) == "" || str(ep["logicAppWorkflowName"]) == "" {
		return "logicAppTriggerEndpointConfiguration needs subscriptionId, resourceGroupName and logicAppWorkflowName " +
			"(resources/logicapptriggerendpointconfiguration)."
	}
	return callbackProblem(body["callbackConfiguration"])
}

func callbackProblem(v any) string {
	cb, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	d, err := parseISODuration(str(cb["timeoutDuration"]))
	if err != nil || d < minCallbackTimeout || d > maxCallbackTimeout {
		return "callbackConfiguration.timeoutDuration must be between 5 minutes and 14 days for entitlement management " +
			"(resources/customextensioncallbackconfiguration)."
	}
	return ""
}

// parseISODuration reads the week, day and time parts Graph uses (P14D,
// PT1H30M); years and months have no fixed length and are refused.
func parseISODuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, errBadDuration
	}
	datePart, timePart, _ := strings.Cut(rest, "T")
	day := 24 * time.Hour
	d1, err := sumUnits(datePart, map[byte]time.Duration{'W': 7 * day, 'D': day})
	if err != nil {
		return 0, err
	}
	d2, err := sumUnits(timePart, map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second})
	return d1 + d2, err
}

// sumUnits adds up "<n><unit>" pairs such as "1H30M".
func sumUnits(part string, unit map[byte]time.Duration) (time.Duration, error) {
	var total time.Duration
	n, digits := 0, 0
	for i := 0; i < len(part); i++ {
		ch := part[i]
		if ch >= '0' && ch <= '9' {
			n, digits = n*10+int(ch-'0'), digits+1
			continue
		}
		u, ok := unit[ch]
		if !ok || digits == 0 {
			return 0, errBadDuration
		}
		total += time.Duration(n) * u
		n, digits = 0, 0
	}
	if digits != 0 {
		return 0, errBadDuration
	}
	return total, nil
}

var errBadDuration = errors.New("not an ISO 8601 duration of weeks, days, hours, minutes and seconds")

// policyExpand is the $expand of a policy GET the double serves.
type policyExpand struct {
	accessPackage, catalog, questions, stages, stageExtensions bool
}

// parsePolicyExpand reads "accessPackage,catalog,questions,
// customExtensionStageSettings($expand=customExtension)"; the last form is
// how customextensionstagesetting documents reading the stage settings.
func parsePolicyExpand(raw string) (policyExpand, bool) {
	var e policyExpand
	if strings.TrimSpace(raw) == "" {
		return e, true
	}
	for _, item := range splitTopLevel(raw) {
		switch strings.TrimSpace(item) {
		case "accessPackage":
			e.accessPackage = true
		case "catalog":
			e.catalog = true
		case "questions":
			e.questions = true
		case "customExtensionStageSettings":
			e.stages = true
		case "customExtensionStageSettings($expand=customExtension)":
			e.stages, e.stageExtensions = true, true
		default:
			return e, false
		}
	}
	return e, true
}

// splitTopLevel splits on commas outside parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func (c *call) renderPolicy(p *AssignmentPolicy, e policyExpand) map[string]any {
	gov := &c.t.Setup.Governance
	obj := requestSchema.normalize(g+"accessPackageAssignmentPolicy", deepCopyJSON(p.Body))
	obj["id"] = p.ID
	obj["createdDateTime"] = timeOrNil(p.CreatedDateTime)
	obj["modifiedDateTime"] = timeOrNil(p.ModifiedDateTime)
	if ap := gov.accessPackage(p.AccessPackageID); ap != nil && e.accessPackage {
		obj["accessPackage"] = map[string]any{"id": ap.ID, "displayName": ap.DisplayName, "description": nil,
			"isHidden": false, "createdDateTime": nil, "modifiedDateTime": nil}
	}
	if cat := gov.catalog(gov.policyCatalog(p)); cat != nil && e.catalog {
		obj["catalog"] = map[string]any{"id": cat.ID, "displayName": cat.DisplayName, "description": nil,
			"catalogType": "userManaged", "state": "published", "isExternallyVisible": false,
			"createdDateTime": nil, "modifiedDateTime": nil}
	}
	if e.questions {
		qs := []any{}
		for _, q := range p.Questions {
			qs = append(qs, deepCopyJSON(q))
		}
		obj["questions"] = qs
	}
	if e.stages {
		settings := []any{}
		for _, s := range p.Stages {
			m := map[string]any{"id": s.ID, "stage": s.Stage}
			if x := gov.extension(s.ExtensionID); x != nil && e.stageExtensions {
				m["customExtension"] = renderExtension(x)
			}
			settings = append(settings, m)
		}
		obj["customExtensionStageSettings"] = settings
	}
	return obj
}

func getAssignmentPolicy(c *call) {
	p := c.t.Setup.Governance.policy(c.p["policy"])
	if p == nil {
		c.notFound(c.p["policy"])
		return
	}
	e, ok := parsePolicyExpand(c.r.URL.Query().Get("$expand"))
	if !ok {
		c.badRequest("graphdouble implements $expand of accessPackage, catalog, questions, customExtensionStageSettings " +
			"and customExtensionStageSettings($expand=customExtension) only, not '" + c.r.URL.Query().Get("$expand") + "'.")
		return
	}
	c.entity(http.StatusOK, emPath+"assignmentPolicies/$entity", c.renderPolicy(p, e))
}

// putAssignmentPolicy replaces the policy whole, as
// accesspackageassignmentpolicy-update does: a property not sent is gone
// (questions, stage settings) or reset.
func putAssignmentPolicy(c *call) {
	gov := &c.t.Setup.Governance
	p := gov.policy(c.p["policy"])
	if p == nil {
		c.notFound(c.p["policy"])
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	ap, _ := body["accessPackage"].(map[string]any)
	switch {
	case ap == nil || !strings.EqualFold(str(ap["id"]), p.AccessPackageID):
		c.badRequest("accessPackage with the id of the policy's access package is required (accesspackageassignmentpolicy-update).")
		return
	case strings.TrimSpace(str(body["displayName"])) == "":
		c.badRequest("displayName is required (accesspackageassignmentpolicy-update).")
		return
	}
	stages, msg := c.stageSettings(p, body["customExtensionStageSettings"])
	if msg != "" {
		c.badRequest(msg)
		return
	}
	p.Questions = nil
	for _, q := range anyObjects(body["questions"]) {
		if str(q["id"]) == "" {
			q["id"] = newID()
		}
		p.Questions = append(p.Questions, q)
	}
	p.Body = policyProperties(body)
	p.Stages = stages
	p.ModifiedDateTime = c.d.now()
	c.entity(http.StatusOK, emPath+"assignmentPolicies/$entity", c.renderPolicy(p, policyExpand{}))
}

// policyProperties keeps the structural properties of a PUT body: not the
// id, dates, annotations or navigation properties.
func policyProperties(body map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		prop, known := requestSchema.prop(g+"accessPackageAssignmentPolicy", k)
		if !known || prop.nav || k == "id" || k == "createdDateTime" || k == "modifiedDateTime" {
			continue
		}
		out[k] = v
	}
	return out
}

// stageSettings reads the PUT's customExtensionStageSettings: each names a
// stage and an extension of the policy's catalog whose kind runs at that
// stage; at most five (governance-service-limits).
func (c *call) stageSettings(p *AssignmentPolicy, v any) ([]StageSetting, string) {
	gov := &c.t.Setup.Governance
	items := anyObjects(v)
	if len(items) > maxStageSettingsPolicy {
		return nil, "A policy can run at most 5 custom extensions (governance-service-limits)."
	}
	var out []StageSetting
	for _, it := range items {
		stage := str(it["stage"])
		ref, _ := it["customExtension"].(map[string]any)
		x := gov.extension(str(ref["id"]))
		switch {
		case stage == "" || ref == nil:
			return nil, "Each customExtensionStageSetting needs a stage and a customExtension with its id (accesspackageassignmentpolicy-update)."
		case x == nil || !strings.EqualFold(x.CatalogID, gov.policyCatalog(p)):
			return nil, "Custom extension '" + str(ref["id"]) + "' is not in the catalog of this policy's access package."
		case slices.Contains(requestStages, stage) != (strings.TrimPrefix(str(x.Body["@odata.type"]), "#") == g+"accessPackageAssignmentRequestWorkflowExtension"):
			return nil, "Stage " + stage + " runs " + kindForStage(stage) + " custom extensions (resources/customextensionstagesetting)."
		}
		out = append(out, StageSetting{ID: newID(), Stage: stage, ExtensionID: x.ID})
	}
	return out, ""
}

func kindForStage(stage string) string {
	if slices.Contains(requestStages, stage) {
		return "accessPackageAssignmentRequestWorkflowExtension"
	}
	return "accessPackageAssignmentWorkflowExtension"
}

// anyObjects reads a decoded JSON array of objects.
func anyObjects(v any) []map[string]any {
	arr, _ := v.([]any)
	var out []map[string]any
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func renderRoleAssignment(a *CatalogRoleAssignment) map[string]any {
	return map[string]any{"id": a.ID, "principalId": a.PrincipalID, "roleDefinitionId": a.RoleDefinitionID,
		"appScopeId": strOrNil(a.AppScopeID), "directoryScopeId": strOrNil(a.DirectoryScopeID),
		"condition": nil, "principalOrganizationId": nil}
}

func listCatalogRoleAssignments(c *call) {
	pageFiltered(c, c.t.Setup.Governance.RoleAssignments, renderRoleAssignment, "roleManagement/entitlementManagement/roleAssignments")
}

// pageFiltered renders a collection, applies $filter and answers a page.
func pageFiltered[T any](c *call, all []T, render func(T) map[string]any, ctxFragment string) {
	items := make([]map[string]any, 0, len(all))
	for _, x := range all {
		items = append(items, render(x))
	}
	items, ok := c.filterItems(items)
	if !ok {
		return
	}
	c.page(items, 999, ctxFragment)
}

func postCatalogRoleAssignment(c *call) {
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	a := &CatalogRoleAssignment{PrincipalID: strings.ToLower(str(body["principalId"])),
		RoleDefinitionID: strings.ToLower(str(body["roleDefinitionId"])),
		AppScopeID:       str(body["appScopeId"]), DirectoryScopeID: str(body["directoryScopeId"])}
	if msg := c.roleAssignmentProblem(a); msg != "" {
		c.badRequest(msg)
		return
	}
	a.ID = newID()
	c.t.Setup.Governance.RoleAssignments = append(c.t.Setup.Governance.RoleAssignments, a)
	c.entity(http.StatusCreated, "roleManagement/entitlementManagement/roleAssignments/$entity", renderRoleAssignment(a))
}

// roleAssignmentProblem checks a new entitlement management role
// assignment as rbacapplication-post-roleassignments describes it: a known
// role, a principal of this tenant, and either appScopeId
// "/AccessPackageCatalog/{id}" of a catalog or directoryScopeId "/".
func (c *call) roleAssignmentProblem(a *CatalogRoleAssignment) string {
	gov := &c.t.Setup.Governance
	catalogID, isCatalog := strings.CutPrefix(a.AppScopeID, "/AccessPackageCatalog/")
	switch {
	case !slices.Contains(catalogScopedRoles, a.RoleDefinitionID) && a.RoleDefinitionID != roleCatalogCreator:
		return "roleDefinitionId '" + a.RoleDefinitionID + "' is not an entitlement management role."
	case c.t.Setup.servicePrincipal(a.PrincipalID) == nil && c.t.userByID(a.PrincipalID) == nil:
		return "principalId '" + a.PrincipalID + "' is not a user or service principal of this tenant."
	case (a.AppScopeID == "") == (a.DirectoryScopeID == ""):
		return "Either appScopeId or directoryScopeId must be specified (rbacapplication-post-roleassignments)."
	case a.RoleDefinitionID == roleCatalogCreator && a.DirectoryScopeID != "/":
		return "The catalog creator role is assigned at directoryScopeId '/'."
	case a.RoleDefinitionID != roleCatalogCreator && (!isCatalog || gov.catalog(catalogID) == nil):
		return "appScopeId must be /AccessPackageCatalog/{id} of an existing catalog (rbacapplication-post-roleassignments)."
	}
	for _, e := range gov.RoleAssignments {
		// Graph's wording for a duplicate is not documented; the double
		// refuses it so a second assignment is never sent unnoticed.
		if e.PrincipalID == a.PrincipalID && e.RoleDefinitionID == a.RoleDefinitionID &&
			strings.EqualFold(e.AppScopeID, a.AppScopeID) && e.DirectoryScopeID == a.DirectoryScopeID {
			return "The principal already holds this role at this scope."
		}
	}
	return ""
}

// AddAccessPackage adds an access package, its catalog (unless present)
// and its assignment policies, as an administrator would in the portal.
func (d *Double) AddAccessPackage(catalog Catalog, pkg AccessPackage, policies ...*AssignmentPolicy) {
	d.Update(func(t *Tenant) {
		gov := &t.Setup.Governance
		if gov.catalog(catalog.ID) == nil {
			c := catalog
			gov.Catalogs = append(gov.Catalogs, &c)
		}
		p := pkg
		p.CatalogID = catalog.ID
		gov.AccessPackages = append(gov.AccessPackages, &p)
		for _, pol := range policies {
			n := *pol
			n.AccessPackageID = p.ID
			n.CreatedDateTime, n.ModifiedDateTime = d.now(), d.now()
			gov.Policies = append(gov.Policies, &n)
		}
	})
}
