package graphdouble

import (
	"bytes"
	"encoding/json"
	"time"
)

// Tenant is the whole directory the double serves. It is both the seed
// format (JSON, see seed.go) and the live state: HTTP calls change it, and
// tests read or change it under the double's lock with View and Update.
// Slices keep seed order, which is also the order collections are paged in.
type Tenant struct {
	TenantID string `json:"tenantId,omitempty"`
	// TAPPolicy is the tenant's Temporary Access Pass method policy.
	TAPPolicy TAPPolicy `json:"tapPolicy"`
	// SMSSignInEnabled decides the smsSignInState of new mobile phones:
	// "ready" when true, "notAllowedByPolicy" when false.
	SMSSignInEnabled bool `json:"smsSignInEnabled,omitempty"`

	Users             []*User            `json:"users"`
	Groups            []*Group           `json:"groups,omitempty"`
	DirectoryRoles    []*DirectoryRole   `json:"directoryRoles,omitempty"`
	RoleEligibilities []*RoleEligibility `json:"roleEligibilities,omitempty"`
	// GroupEligibilities are PIM for Groups eligibilities: who may
	// activate membership or ownership of a group.
	GroupEligibilities []*GroupEligibility  `json:"groupEligibilities,omitempty"`
	AssignmentRequests []*AssignmentRequest `json:"assignmentRequests,omitempty"`
	DirectoryAudits    []*DirectoryAudit    `json:"directoryAudits,omitempty"`

	// MailSenders, when set, are the only users (id or userPrincipalName)
	// sendMail may send as, like a Mail.Send grant scoped with Exchange
	// RBAC for Applications; others get 403 ErrorAccessDenied.
	MailSenders []string `json:"mailSenders,omitempty"`

	// Setup is what tools/setup manages: permissions, authentication
	// strengths, Conditional Access and method policies (policies_model.go).
	Setup SetupState `json:"setup,omitzero"`

	// Records of what callers did; tests assert on them.
	Outbox         []SentMail      `json:"outbox,omitempty"`
	ResumeCalls    []ResumeCall    `json:"resumeCalls,omitempty"`
	DeletedObjects []DeletedObject `json:"deletedObjects,omitempty"`

	userIndex    map[string]*User // by lower-cased id and UPN; a hint (directory.go)
	indexedUsers usersMark
}

// TAPPolicy mirrors temporaryAccessPassAuthenticationMethodConfiguration.
// Zero values are replaced by the portal defaults except the lifetime
// bounds, which default to Graph's absolute 10..43200 minutes.
type TAPPolicy struct {
	MinimumLifetimeInMinutes int  `json:"minimumLifetimeInMinutes,omitempty"`
	MaximumLifetimeInMinutes int  `json:"maximumLifetimeInMinutes,omitempty"`
	DefaultLifetimeInMinutes int  `json:"defaultLifetimeInMinutes,omitempty"`
	DefaultLength            int  `json:"defaultLength,omitempty"`
	IsUsableOnce             bool `json:"isUsableOnce,omitempty"`
}

// User is a member or guest account.
type User struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName,omitempty"`
	GivenName         string   `json:"givenName,omitempty"`
	Surname           string   `json:"surname,omitempty"`
	JobTitle          string   `json:"jobTitle,omitempty"`
	Mail              string   `json:"mail,omitempty"`
	MobilePhone       string   `json:"mobilePhone,omitempty"`
	OfficeLocation    string   `json:"officeLocation,omitempty"`
	BusinessPhones    []string `json:"businessPhones,omitempty"`
	// AccountEnabled defaults to true when a seed omits it.
	AccountEnabled bool `json:"accountEnabled"`
	// UserType is "Member" (the default) or "Guest".
	UserType string `json:"userType,omitempty"`
	// OnPremisesExtensionAttributes holds extensionAttribute1..15.
	OnPremisesExtensionAttributes map[string]string `json:"onPremisesExtensionAttributes,omitempty"`
	// Manager is the manager's object id.
	Manager string `json:"manager,omitempty"`

	// AuthenticationMethods excludes the password, which every user has.
	AuthenticationMethods []*AuthMethod `json:"authenticationMethods,omitempty"`
	// DefaultMethod is the id of the method Graph refuses to delete while
	// other methods remain.
	DefaultMethod string `json:"defaultMethod,omitempty"`
	// SystemPreferredMethodEnabled is the beta signInPreferences flag.
	SystemPreferredMethodEnabled bool `json:"isSystemPreferredAuthenticationMethodEnabled,omitempty"`

	// RevokedSessions counts revokeSignInSessions calls.
	RevokedSessions int `json:"revokedSessions,omitempty"`
	// IssuedTAPs records every pass ever created for the user, including
	// ones a later pass replaced.
	IssuedTAPs []IssuedTAP `json:"issuedTaps,omitempty"`
}

// UnmarshalJSON defaults accountEnabled to true, as Graph creates
// accounts, and refuses unknown fields so a misspelt seed key is an error.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	p := plain{AccountEnabled: true}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*u = User(p)
	return nil
}

// MethodType names an authentication method kind as in its Graph type
// name without "AuthenticationMethod" (e.g. "fido2").
type MethodType string

// The method kinds the double serves.
const (
	MethodPhone                   MethodType = "phone"
	MethodMicrosoftAuthenticator  MethodType = "microsoftAuthenticator"
	MethodSoftwareOath            MethodType = "softwareOath"
	MethodFido2                   MethodType = "fido2"
	MethodWindowsHelloForBusiness MethodType = "windowsHelloForBusiness"
	MethodEmail                   MethodType = "email"
	MethodPlatformCredential      MethodType = "platformCredential"
	MethodTemporaryAccessPass     MethodType = "temporaryAccessPass"
	MethodPassword                MethodType = "password"
)

// Fixed method ids Graph uses.
const (
	PhoneIDMobile          = "3179e48a-750b-4051-897c-87b9720928f7"
	PhoneIDAlternateMobile = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	PhoneIDOffice          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
	EmailMethodID          = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f"
	PasswordMethodID       = "28c10230-6103-485e-b985-444c60001490"
)

// AuthMethod is one registered method. Only the fields of its Type are
// rendered; the rest stay empty.
type AuthMethod struct {
	Type            MethodType `json:"type"`
	ID              string     `json:"id,omitempty"`
	CreatedDateTime time.Time  `json:"createdDateTime,omitzero"`
	DisplayName     string     `json:"displayName,omitempty"`

	// phone
	PhoneNumber    string `json:"phoneNumber,omitempty"`
	PhoneType      string `json:"phoneType,omitempty"`
	SMSSignInState string `json:"smsSignInState,omitempty"`
	// microsoftAuthenticator
	DeviceTag       string `json:"deviceTag,omitempty"`
	PhoneAppVersion string `json:"phoneAppVersion,omitempty"`
	// fido2
	AAGUID                  string   `json:"aaGuid,omitempty"`
	Model                   string   `json:"model,omitempty"`
	AttestationLevel        string   `json:"attestationLevel,omitempty"`
	AttestationCertificates []string `json:"attestationCertificates,omitempty"`
	PasskeyType             string   `json:"passkeyType,omitempty"`
	// windowsHelloForBusiness, platformCredential
	KeyStrength string `json:"keyStrength,omitempty"`
	Platform    string `json:"platform,omitempty"`
	// email
	EmailAddress string `json:"emailAddress,omitempty"`
	// temporaryAccessPass
	StartDateTime     time.Time `json:"startDateTime,omitzero"`
	LifetimeInMinutes int       `json:"lifetimeInMinutes,omitempty"`
	IsUsableOnce      bool      `json:"isUsableOnce,omitempty"`
}

// IssuedTAP records one created Temporary Access Pass. Value is kept for
// tests that check what was delivered; it is never serialised.
type IssuedTAP struct {
	ID                string    `json:"id"`
	Value             string    `json:"-"`
	CreatedDateTime   time.Time `json:"createdDateTime"`
	StartDateTime     time.Time `json:"startDateTime"`
	LifetimeInMinutes int       `json:"lifetimeInMinutes"`
	IsUsableOnce      bool      `json:"isUsableOnce"`
	// Replaced is set when a later pass deleted this one.
	Replaced bool `json:"replaced,omitempty"`
	// Deleted is set when a caller deleted it.
	Deleted bool `json:"deleted,omitempty"`
}

// Group is a security or Microsoft 365 group.
type Group struct {
	ID                 string   `json:"id"`
	DisplayName        string   `json:"displayName,omitempty"`
	Description        string   `json:"description,omitempty"`
	Mail               string   `json:"mail,omitempty"`
	MailNickname       string   `json:"mailNickname,omitempty"`
	MailEnabled        bool     `json:"mailEnabled,omitempty"`
	SecurityEnabled    bool     `json:"securityEnabled,omitempty"`
	GroupTypes         []string `json:"groupTypes,omitempty"`
	IsAssignableToRole bool     `json:"isAssignableToRole,omitempty"`
	// Members are direct members: user or group ids.
	Members []string `json:"members,omitempty"`
}

// DirectoryRole is an activated directory role with its active members
// (users, or role-assignable groups).
type DirectoryRole struct {
	ID             string   `json:"id"`
	RoleTemplateID string   `json:"roleTemplateId"`
	DisplayName    string   `json:"displayName,omitempty"`
	Description    string   `json:"description,omitempty"`
	Members        []string `json:"members,omitempty"`
}

// RoleEligibility is a PIM role eligibility schedule instance.
type RoleEligibility struct {
	ID               string    `json:"id"`
	PrincipalID      string    `json:"principalId"`
	RoleDefinitionID string    `json:"roleDefinitionId"`
	DirectoryScopeID string    `json:"directoryScopeId,omitempty"`
	StartDateTime    time.Time `json:"startDateTime,omitzero"`
	EndDateTime      time.Time `json:"endDateTime,omitzero"`
}

// GroupEligibility is a PIM for Groups eligibility schedule instance
// (privilegedAccessGroupEligibilityScheduleInstance).
type GroupEligibility struct {
	ID          string `json:"id"`
	PrincipalID string `json:"principalId"`
	GroupID     string `json:"groupId"`
	// AccessID is "member" or "owner".
	AccessID      string    `json:"accessId"`
	StartDateTime time.Time `json:"startDateTime,omitzero"`
	EndDateTime   time.Time `json:"endDateTime,omitzero"`
}

// AssignmentRequest is an entitlement-management access package
// assignment request that resume may be called on.
type AssignmentRequest struct {
	ID string `json:"id"`
	// RequestStatus is "WaitingForCallback" until resumed.
	RequestStatus string `json:"requestStatus,omitempty"`
}

// DirectoryAudit is an audit log entry, stored in Graph's own shape.
type DirectoryAudit struct {
	ID                  string           `json:"id"`
	ActivityDateTime    time.Time        `json:"activityDateTime"`
	ActivityDisplayName string           `json:"activityDisplayName"`
	Category            string           `json:"category"`
	CorrelationID       string           `json:"correlationId,omitempty"`
	LoggedByService     string           `json:"loggedByService,omitempty"`
	OperationType       string           `json:"operationType,omitempty"`
	Result              string           `json:"result,omitempty"`
	ResultReason        string           `json:"resultReason,omitempty"`
	InitiatedBy         AuditInitiator   `json:"initiatedBy"`
	TargetResources     []TargetResource `json:"targetResources,omitempty"`
}

// AuditInitiator is auditActivityInitiator: an app or a user.
type AuditInitiator struct {
	App  *AppIdentity  `json:"app,omitempty"`
	User *UserIdentity `json:"user,omitempty"`
}

// AppIdentity is Graph's appIdentity.
type AppIdentity struct {
	AppID                string `json:"appId,omitempty"`
	DisplayName          string `json:"displayName,omitempty"`
	ServicePrincipalID   string `json:"servicePrincipalId,omitempty"`
	ServicePrincipalName string `json:"servicePrincipalName,omitempty"`
}

// UserIdentity is Graph's userIdentity.
type UserIdentity struct {
	ID                string `json:"id,omitempty"`
	DisplayName       string `json:"displayName,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	IPAddress         string `json:"ipAddress,omitempty"`
}

// TargetResource is Graph's targetResource.
type TargetResource struct {
	ID                 string             `json:"id"`
	Type               string             `json:"type"`
	DisplayName        string             `json:"displayName,omitempty"`
	UserPrincipalName  string             `json:"userPrincipalName,omitempty"`
	ModifiedProperties []ModifiedProperty `json:"modifiedProperties,omitempty"`
}

// ModifiedProperty is Graph's modifiedProperty.
type ModifiedProperty struct {
	DisplayName string `json:"displayName"`
	OldValue    string `json:"oldValue,omitempty"`
	NewValue    string `json:"newValue,omitempty"`
}

// SentMail is one accepted sendMail call.
type SentMail struct {
	Time            time.Time   `json:"time"`
	SenderID        string      `json:"senderId"`
	From            string      `json:"from"`
	Subject         string      `json:"subject"`
	ContentType     string      `json:"contentType"`
	Body            string      `json:"body"`
	To              []Recipient `json:"to"`
	Cc              []Recipient `json:"cc,omitempty"`
	Bcc             []Recipient `json:"bcc,omitempty"`
	SaveToSentItems bool        `json:"saveToSentItems"`
}

// Recipient is an email address with an optional name.
type Recipient struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// ResumeCall is one accepted assignmentRequests/{id}/resume call.
type ResumeCall struct {
	Time      time.Time      `json:"time"`
	RequestID string         `json:"requestId"`
	Source    string         `json:"source"`
	Type      string         `json:"type"`
	Data      map[string]any `json:"data"`
}

// DeletedObject records a directory object removed from the tenant.
type DeletedObject struct {
	Time time.Time `json:"time"`
	ID   string    `json:"id"`
	Kind string    `json:"kind"` // "user" or "group"
	Name string    `json:"name"` // userPrincipalName or displayName
	// Via is the request that deleted it, e.g.
	// "DELETE /v1.0/groups/{g}/members/{id}".
	Via string `json:"via"`
}
