package graphdouble

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"time"
)

// SetupState is the part of a tenant tools/setup manages: service
// principals and their application permissions, authentication strengths,
// Conditional Access policies and the FIDO2 method policy. A zero value is
// a tenant with only Microsoft's own objects (the Microsoft Graph service
// principal and the built-in strengths), which the double adds itself.
type SetupState struct {
	ServicePrincipals  []*ServicePrincipal  `json:"servicePrincipals,omitempty"`
	AppRoleAssignments []*AppRoleAssignment `json:"appRoleAssignments,omitempty"`
	AuthStrengths      []*AuthStrength      `json:"authenticationStrengths,omitempty"`
	// CAPolicies are stored as Graph renders them (see policies_ca.go).
	CAPolicies []map[string]any `json:"conditionalAccessPolicies,omitempty"`
	// TAPMethodDisabled turns the Temporary Access Pass method policy's
	// state to "disabled" (its other settings are Tenant.TAPPolicy).
	TAPMethodDisabled bool        `json:"tapMethodDisabled,omitempty"`
	Fido2             Fido2Policy `json:"fido2Policy"`
	// Governance is entitlement management: catalogs, their custom
	// extensions, assignment policies and catalog roles (policies_em.go).
	Governance Governance `json:"governance,omitzero"`

	// lastCA is when the last Conditional Access request was admitted:
	// Graph allows one per second per tenant.
	lastCA time.Time
}

// ServicePrincipal is an application's identity in the tenant.
type ServicePrincipal struct {
	ID          string `json:"id"`
	AppID       string `json:"appId"`
	DisplayName string `json:"displayName,omitempty"`
	// ServicePrincipalType is "Application" or "ManagedIdentity".
	ServicePrincipalType string    `json:"servicePrincipalType,omitempty"`
	AppRoles             []AppRole `json:"appRoles,omitempty"`
}

// AppRole is a permission an application (the resource) offers.
type AppRole struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	// AllowedMemberTypes is ["Application"] for application permissions.
	AllowedMemberTypes []string `json:"allowedMemberTypes,omitempty"`
	Disabled           bool     `json:"disabled,omitempty"`
}

// AppRoleAssignment grants PrincipalID the AppRoleID of ResourceID.
type AppRoleAssignment struct {
	ID              string    `json:"id"`
	PrincipalID     string    `json:"principalId"`
	ResourceID      string    `json:"resourceId"`
	AppRoleID       string    `json:"appRoleId"`
	CreatedDateTime time.Time `json:"createdDateTime,omitzero"`
}

// AuthStrength is an authenticationStrengthPolicy.
type AuthStrength struct {
	ID                  string    `json:"id"`
	DisplayName         string    `json:"displayName"`
	Description         string    `json:"description,omitempty"`
	PolicyType          string    `json:"policyType,omitempty"` // builtIn or custom
	AllowedCombinations []string  `json:"allowedCombinations"`
	CreatedDateTime     time.Time `json:"createdDateTime,omitzero"`
	ModifiedDateTime    time.Time `json:"modifiedDateTime,omitzero"`
}

// Fido2Policy mirrors the parts of fido2AuthenticationMethodConfiguration
// the FIDO2 provisioning API depends on.
type Fido2Policy struct {
	Enabled bool `json:"enabled,omitempty"`
	// SelfServiceRegistration is isSelfServiceRegistrationAllowed, which
	// the provisioning API requires (Graph known issues).
	SelfServiceRegistration bool `json:"isSelfServiceRegistrationAllowed,omitempty"`
	AttestationEnforced     bool `json:"isAttestationEnforced,omitempty"`
}

// MicrosoftGraphAppID is the Microsoft Graph application, the resource of
// every Graph application permission.
const MicrosoftGraphAppID = "00000003-0000-0000-c000-000000000000"

// GraphPermissions are the application permissions the double's Microsoft
// Graph service principal offers. User.RevokeSessions.All is left out on
// purpose: whether tenants offer it to applications is unverified, so the
// default tenant exercises the fallback to User.ReadWrite.All.
var GraphPermissions = []string{
	"AuditLog.Read.All", "Directory.Read.All", "EntitlementManagement.ReadWrite.All",
	"GroupMember.Read.All", "GroupMember.ReadWrite.All", "Mail.Send",
	"Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod", "Policy.ReadWrite.ConditionalAccess",
	"PrivilegedEligibilitySchedule.Read.AzureADGroup",
	"RoleManagement.Read.Directory", "User.Read.All", "User.ReadWrite.All",
	"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All",
	"UserAuthMethod-Email.ReadWrite.All", "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
	"UserAuthMethod-Passkey.ReadWrite.All", "UserAuthMethod-Phone.ReadWrite.All",
	"UserAuthMethod-PlatformCred.ReadWrite.All", "UserAuthMethod-SoftwareOATH.ReadWrite.All",
	"UserAuthMethod-TAP.ReadWrite.All", "UserAuthMethod-WindowsHello.ReadWrite.All",
}

// AppRoleID is the id the double gives a permission value. Real ids are
// fixed GUIDs per permission; setup looks permissions up by value, so the
// double derives its own instead of copying Microsoft's.
func AppRoleID(value string) string {
	h := sha256.Sum256([]byte("graphdouble app role " + value))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// graphServicePrincipalID is the double's object id of Microsoft Graph's
// service principal (each tenant has its own).
const graphServicePrincipalID = "60000000-0000-4000-8000-000000000003"

// Built-in authentication strengths (ids as Graph's documentation examples
// show them).
var builtInStrengths = []AuthStrength{
	{ID: "00000000-0000-0000-0000-000000000002", DisplayName: "Multifactor authentication", PolicyType: "builtIn",
		AllowedCombinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
			"temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "password,microsoftAuthenticatorPush",
			"password,softwareOath", "password,hardwareOath", "password,sms", "password,voice"}},
	{ID: "00000000-0000-0000-0000-000000000003", DisplayName: "Passwordless MFA", PolicyType: "builtIn",
		AllowedCombinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"}},
	{ID: "00000000-0000-0000-0000-000000000004", DisplayName: "Phishing-resistant MFA", PolicyType: "builtIn",
		AllowedCombinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}},
}

// ensureMicrosoftObjects adds what every tenant has: Microsoft Graph's
// service principal and the built-in strengths.
func (s *SetupState) ensureMicrosoftObjects() {
	if s.servicePrincipalByAppID(MicrosoftGraphAppID) == nil {
		sp := &ServicePrincipal{ID: graphServicePrincipalID, AppID: MicrosoftGraphAppID,
			DisplayName: "Microsoft Graph", ServicePrincipalType: "Application"}
		for _, v := range GraphPermissions {
			sp.AppRoles = append(sp.AppRoles, AppRole{ID: AppRoleID(v), Value: v, AllowedMemberTypes: []string{"Application"}})
		}
		s.ServicePrincipals = append(s.ServicePrincipals, sp)
	}
	for _, b := range builtInStrengths {
		if s.strength(b.ID) == nil {
			n := b
			n.AllowedCombinations = slices.Clone(b.AllowedCombinations)
			s.AuthStrengths = append(s.AuthStrengths, &n)
		}
	}
}

func (s *SetupState) servicePrincipal(id string) *ServicePrincipal {
	for _, sp := range s.ServicePrincipals {
		if sp.ID == id {
			return sp
		}
	}
	return nil
}

func (s *SetupState) servicePrincipalByAppID(appID string) *ServicePrincipal {
	for _, sp := range s.ServicePrincipals {
		if sp.AppID == appID {
			return sp
		}
	}
	return nil
}

func (s *SetupState) strength(id string) *AuthStrength {
	for _, a := range s.AuthStrengths {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (s *SetupState) caPolicy(id string) map[string]any {
	for _, p := range s.CAPolicies {
		if p["id"] == id {
			return p
		}
	}
	return nil
}

// clone deep-copies the state (Tenant.Clone).
func (s SetupState) clone() SetupState {
	c := s
	c.ServicePrincipals = cloneEach(s.ServicePrincipals, func(sp *ServicePrincipal) *ServicePrincipal {
		n := *sp
		n.AppRoles = slices.Clone(sp.AppRoles)
		for i := range n.AppRoles {
			n.AppRoles[i].AllowedMemberTypes = slices.Clone(sp.AppRoles[i].AllowedMemberTypes)
		}
		return &n
	})
	c.AppRoleAssignments = cloneEach(s.AppRoleAssignments, func(a *AppRoleAssignment) *AppRoleAssignment { n := *a; return &n })
	c.AuthStrengths = cloneEach(s.AuthStrengths, func(a *AuthStrength) *AuthStrength {
		n := *a
		n.AllowedCombinations = slices.Clone(a.AllowedCombinations)
		return &n
	})
	c.CAPolicies = make([]map[string]any, len(s.CAPolicies))
	for i, p := range s.CAPolicies {
		c.CAPolicies[i] = deepCopyJSON(p)
	}
	if s.CAPolicies == nil {
		c.CAPolicies = nil
	}
	c.Governance = s.Governance.clone()
	return c
}

// OfferGraphPermission adds an application permission to Microsoft Graph's
// service principal, as a tenant whose Graph offers more than the default.
func (d *Double) OfferGraphPermission(value string) {
	d.Update(func(t *Tenant) {
		t.Setup.ensureMicrosoftObjects()
		sp := t.Setup.servicePrincipalByAppID(MicrosoftGraphAppID)
		if _, ok := sp.role(value); !ok {
			sp.AppRoles = append(sp.AppRoles, AppRole{ID: AppRoleID(value), Value: value, AllowedMemberTypes: []string{"Application"}})
		}
	})
}

// GrantGraphPermission records an existing grant of a Graph permission to
// the service principal principalID, as if made before setup ran.
func (d *Double) GrantGraphPermission(principalID, value string) {
	d.Update(func(t *Tenant) {
		t.Setup.ensureMicrosoftObjects()
		t.Setup.AppRoleAssignments = append(t.Setup.AppRoleAssignments, &AppRoleAssignment{
			ID: "granted-" + value, PrincipalID: principalID, ResourceID: graphServicePrincipalID,
			AppRoleID: AppRoleID(value), CreatedDateTime: d.now()})
	})
}

func (sp *ServicePrincipal) role(value string) (AppRole, bool) {
	for _, r := range sp.AppRoles {
		if r.Value == value {
			return r, true
		}
	}
	return AppRole{}, false
}
