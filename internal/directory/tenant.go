package directory

import "context"

// Tenant is what tools/setup reads and changes in the tenant: the
// Function identity's application permissions, the authentication
// strength, Conditional Access and the method policies. The workflows
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
