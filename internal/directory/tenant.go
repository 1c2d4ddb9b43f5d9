package directory

import (
	"context"
	"time"
)

// Tenant is what tools/setup reads and changes in the tenant: the
// Function identity's application permissions, the authentication
// strength, Conditional Access, the method policies and the MFA reset
// access package's custom extension, stage and catalog role. The workflows
// never see it; only the setup tool, signed in as an administrator, does.
type Tenant interface {
	// ServicePrincipalByAppID finds an application's service principal by
	// its application (client) id; ErrNotFound when there is none.
	ServicePrincipalByAppID(ctx context.Context, appID string) (ServicePrincipal, error)
	// ServicePrincipal reads one by object id; ErrNotFound when absent.
	ServicePrincipal(ctx context.Context, id string) (ServicePrincipal, error)
	// AppRoleAssignments lists the application permissions granted to a
	// service principal.
	AppRoleAssignments(ctx context.Context, principalID string) ([]AppRoleAssignment, error)
	// GrantAppRole grants principalID the app role of resourceID. Not
	// repeated after an uncertain failure (ErrOutcomeUnknown): read again.
	GrantAppRole(ctx context.Context, principalID, resourceID, appRoleID string) (AppRoleAssignment, error)

	// AuthStrengths lists the custom authentication strengths.
	AuthStrengths(ctx context.Context) ([]AuthStrength, error)
	CreateAuthStrength(ctx context.Context, s AuthStrength) (AuthStrength, error)
	// UpdateAuthStrength changes displayName and description only.
	UpdateAuthStrength(ctx context.Context, id, displayName, description string) error
	// UpdateAllowedCombinations is the only way to change a strength's
	// combinations; it returns the Conditional Access policies using it.
	UpdateAllowedCombinations(ctx context.Context, id string, combinations []string) ([]string, error)

	// CAPolicies lists Conditional Access policies. Conditional Access
	// allows one request per second per tenant: implementations pace
	// these calls.
	CAPolicies(ctx context.Context) ([]CAPolicy, error)
	CreateCAPolicy(ctx context.Context, p CAPolicy) (CAPolicy, error)
	// UpdateCAPolicy sends the policy's managed parts (conditions,
	// controls, state, name).
	UpdateCAPolicy(ctx context.Context, id string, p CAPolicy) error

	// TAPPolicy and Fido2Policy read the method policies.
	TAPPolicy(ctx context.Context) (TAPPolicy, error)
	Fido2Policy(ctx context.Context) (Fido2Policy, error)

	// CustomExtensions lists a catalog's custom workflow extensions.
	CustomExtensions(ctx context.Context, catalogID string) ([]CustomExtension, error)
	// CreateCustomExtension adds one to the catalog. Not repeated after an
	// uncertain failure (ErrOutcomeUnknown): list again by name.
	CreateCustomExtension(ctx context.Context, catalogID string, x CustomExtension) (CustomExtension, error)
	// AssignmentPolicy reads an access package assignment policy with its
	// custom extension stage settings.
	AssignmentPolicy(ctx context.Context, policyID string) (AssignmentPolicy, error)
	// SetPolicyStages replaces the policy's custom extension stage
	// settings with stages. Graph updates a policy only whole (PUT), so
	// implementations read it afresh and send everything else back as read.
	SetPolicyStages(ctx context.Context, policyID string, stages []StageSetting) error
	// CatalogRoleAssignments lists the entitlement management role
	// assignments scoped to a catalog.
	CatalogRoleAssignments(ctx context.Context, catalogID string) ([]CatalogRoleAssignment, error)
	// AssignCatalogRole gives principalID the role on the catalog. Not
	// repeated after an uncertain failure: list again.
	AssignCatalogRole(ctx context.Context, catalogID, principalID, roleDefinitionID string) (CatalogRoleAssignment, error)
}

// ServicePrincipal is an application's identity in the tenant.
type ServicePrincipal struct {
	ID          string
	AppID       string
	DisplayName string
	Type        string // Application, ManagedIdentity, ...
	// AppRoles are the permissions it offers to applications.
	AppRoles []AppRole
}

// AppRole is one permission a resource offers.
type AppRole struct {
	ID    string
	Value string
	// ForApplications: allowedMemberTypes includes Application.
	ForApplications bool
	Enabled         bool
}

// Role returns the enabled application permission with this value.
func (sp ServicePrincipal) Role(value string) (AppRole, bool) {
	for _, r := range sp.AppRoles {
		if r.Value == value && r.Enabled && r.ForApplications {
			return r, true
		}
	}
	return AppRole{}, false
}

// AppRoleAssignment is one granted application permission.
type AppRoleAssignment struct {
	ID          string
	PrincipalID string
	ResourceID  string
	AppRoleID   string
}

// AuthStrength is a custom authentication strength.
type AuthStrength struct {
	ID           string
	DisplayName  string
	Description  string
	Combinations []string // e.g. "fido2", "password,sms"
}

// Conditional Access policy states.
const (
	CAEnabled    = "enabled"
	CADisabled   = "disabled"
	CAReportOnly = "enabledForReportingButNotEnforced"
)

// CAPolicy is the part of a Conditional Access policy setup manages.
type CAPolicy struct {
	ID          string
	DisplayName string
	State       string
	// Users
	IncludeUsers, ExcludeUsers   []string
	IncludeGroups, ExcludeGroups []string
	// ExcludeGuests leaves out every kind of guest and external user.
	ExcludeGuests bool
	// Targets
	IncludeApplications []string
	IncludeUserActions  []string
	IncludePlatforms    []string
	ClientAppTypes      []string
	// Grant: Operator over BuiltInControls and the strength.
	Operator        string
	BuiltInControls []string
	StrengthID      string
	// SignInFrequencyHours, when above 0, asks for a new sign-in after
	// that many hours.
	SignInFrequencyHours int
}

// TAPPolicy is the Temporary Access Pass method policy.
type TAPPolicy struct {
	Enabled         bool
	UsableOnce      bool
	DefaultLifetime int // minutes
	MinLifetime     int
	MaxLifetime     int
}

// Fido2Policy is the passkey (FIDO2) method policy.
type Fido2Policy struct {
	Enabled bool
	// SelfServiceRegistration (isSelfServiceRegistrationAllowed) must be on
	// for the FIDO2 provisioning API.
	SelfServiceRegistration bool
	AttestationEnforced     bool
}

// Entitlement management roles that apply to one catalog, by role
// definition id (entra-docs: id-governance/entitlement-management-delegate.md).
const (
	CatalogOwnerRole                   = "ae79f266-94d4-4dab-b730-feca7e132178"
	CatalogReaderRole                  = "44272f93-9762-48e8-af59-1b5351b1d6b3"
	AccessPackageManagerRole           = "7f480852-ebdc-47d4-87de-0d8498384a83"
	AccessPackageAssignmentManagerRole = "e2182095-804a-4656-ae11-64734e9b7ae5"
)

// Custom extension kinds: which workflow of an access package calls it.
const (
	// RequestWorkflowExtension runs at request stages (created, approved,
	// granted, removed) and may wait for a resume.
	RequestWorkflowExtension = "accessPackageAssignmentRequestWorkflowExtension"
	// AssignmentWorkflowExtension runs before an assignment expires.
	AssignmentWorkflowExtension = "accessPackageAssignmentWorkflowExtension"
)

// CustomExtension is an access package catalog's custom workflow
// extension: the Logic App Entitlement Management calls at a stage.
type CustomExtension struct {
	ID          string
	DisplayName string
	Description string
	// Kind is RequestWorkflowExtension or AssignmentWorkflowExtension.
	Kind string
	// LogicApp is the endpoint; zero when the endpoint is not a Logic App
	// trigger.
	LogicApp LogicApp
	// Authentication names the authenticationConfiguration type without
	// its namespace, e.g. "azureAdPopTokenAuthentication".
	Authentication string
	// CallbackTimeout above zero is "launch and wait": the request waits
	// that long for a resume. Zero is "launch and continue".
	CallbackTimeout time.Duration
}

// LogicApp names a Logic App (Consumption) workflow by its ARM path parts.
type LogicApp struct {
	SubscriptionID string
	ResourceGroup  string
	Workflow       string
}

// Path is the workflow's ARM resource id, as the relay's AADPOP policy
// binds the token to it.
func (l LogicApp) Path() string {
	return "/subscriptions/" + l.SubscriptionID + "/resourceGroups/" + l.ResourceGroup +
		"/providers/Microsoft.Logic/workflows/" + l.Workflow
}

// AssignmentPolicy is what setup reads of an access package assignment
// policy: who it is, and which custom extension runs at which stage.
type AssignmentPolicy struct {
	ID              string
	DisplayName     string
	AccessPackageID string
	CatalogID       string
	Stages          []StageSetting
}

// StageSetting runs a custom extension at an access package stage
// (accessPackageCustomExtensionStage, e.g. "assignmentRequestApproved").
type StageSetting struct {
	Stage       string
	ExtensionID string
	// ExtensionKind is the extension's RequestWorkflowExtension or
	// AssignmentWorkflowExtension: a policy names it beside the id.
	ExtensionKind string
}

// CatalogRoleAssignment is an entitlement management role held on one
// catalog (appScopeId /AccessPackageCatalog/{id}).
type CatalogRoleAssignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	CatalogID        string
}
