// Package directory is the narrow port between our workflows and Microsoft
// Graph: the few calls we make, in our own types. internal/graph implements
// it with msgraph-sdk-go; nothing else imports the SDK, so workflow packages
// build and test in seconds.
package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/redact"
)

// User is the subset of a Graph user we read.
type User struct {
	ID             string
	UPN            string
	DisplayName    string
	Mail           string
	AccountEnabled bool
	UserType       string
}

// Memberships are a user's transitive group memberships and active
// directory roles.
type Memberships struct {
	GroupIDs []string
	// RoleAssignableGroupIDs are the groups that can hold directory roles
	// (isAssignableToRole), a subset of GroupIDs.
	RoleAssignableGroupIDs []string
	// ActiveRoles are display names of activated directory roles held
	// directly or through a role-assignable group.
	ActiveRoles []string
}

// InGroup reports whether id is among the groups.
func (m Memberships) InGroup(id string) bool {
	for _, g := range m.GroupIDs {
		if g == id {
			return true
		}
	}
	return false
}

// RoleGrant is a directory role a principal holds or may activate.
type RoleGrant struct {
	PrincipalID      string
	RoleDefinitionID string
}

// GroupEligibility is a PIM for Groups eligibility: the principal may
// activate membership ("member") or ownership ("owner") of the group.
type GroupEligibility struct {
	GroupID  string
	AccessID string
}

// TAPRequest asks for a Temporary Access Pass.
type TAPRequest struct {
	LifetimeMinutes int
	UsableOnce      bool
}

// TAP is a freshly created Temporary Access Pass. Pass is only ever known
// at creation time; Graph never returns it again.
type TAP struct {
	ID              string
	Pass            redact.Secret
	Created         time.Time
	Start           time.Time
	LifetimeMinutes int
	UsableOnce      bool
}

// Expires is when the pass stops working.
func (t TAP) Expires() time.Time {
	start := t.Start
	if start.IsZero() {
		start = t.Created
	}
	return start.Add(time.Duration(t.LifetimeMinutes) * time.Minute)
}

// Mail is a message sent from an application mailbox.
type Mail struct {
	Subject string
	HTML    bool
	Body    string
	To      []string
}

// MethodType is an authentication method kind: Graph's @odata.type without
// "#microsoft.graph." and "AuthenticationMethod".
type MethodType string

// Method types Graph lists under /users/{id}/authentication/methods.
const (
	MethodPhone              MethodType = "phone"
	MethodAuthenticator      MethodType = "microsoftAuthenticator"
	MethodSoftwareOath       MethodType = "softwareOath"
	MethodFido2              MethodType = "fido2"
	MethodWindowsHello       MethodType = "windowsHelloForBusiness"
	MethodEmail              MethodType = "email"
	MethodPlatformCredential MethodType = "platformCredential"
	MethodTAP                MethodType = "temporaryAccessPass"
	MethodPassword           MethodType = "password"
)

// Method is one registered authentication method. Values (numbers, keys)
// are deliberately absent: the workflows need only what to delete.
type Method struct {
	ID   string
	Type MethodType
	// PhoneType is mobile, alternateMobile or office for phone methods.
	PhoneType string
}

// Resume is the outcome an access-package request is resumed with.
type Resume struct {
	Source          string
	Type            string // microsoft.graph.accessPackageCustomExtensionStage.<stage>
	Stage           string
	StageInstanceID string
	Detail          string // shown to approvers and the requestor
	State           string // "" or "denied"
}

// Directory is every Graph call the workflows make.
type Directory interface {
	// User looks a user up by object id or UPN.
	User(ctx context.Context, idOrUPN string) (User, error)
	// Manager returns the user's manager; ErrNotFound when none is set.
	Manager(ctx context.Context, userID string) (User, error)
	// Memberships lists transitive groups and active directory roles.
	Memberships(ctx context.Context, userID string) (Memberships, error)
	// EligibleRoles lists the directory roles any of the principals is
	// eligible for through Privileged Identity Management.
	EligibleRoles(ctx context.Context, principalIDs []string) ([]RoleGrant, error)
	// AssignedRoles lists the directory roles actively assigned to any of
	// the principals, at any scope (administrative units included).
	AssignedRoles(ctx context.Context, principalIDs []string) ([]RoleGrant, error)
	// GroupEligibilities lists the groups the principal may activate
	// membership or ownership of through PIM for Groups.
	GroupEligibilities(ctx context.Context, principalID string) ([]GroupEligibility, error)
	// CreateTAP mints a pass. It is never retried after an uncertain
	// failure: a second POST would replace the first pass. Such a failure
	// is reported as ErrOutcomeUnknown.
	CreateTAP(ctx context.Context, userID string, req TAPRequest) (TAP, error)
	// DeleteTAP removes a pass (ErrNotFound when it is already gone).
	DeleteTAP(ctx context.Context, userID, tapID string) error
	// SendMail sends from the sender's mailbox; Graph accepts it (202) and
	// delivers asynchronously.
	SendMail(ctx context.Context, sender string, m Mail) error
	// ListMethods lists the user's registered methods, password included.
	ListMethods(ctx context.Context, userID string) ([]Method, error)
	// DeleteMethod deletes one method through its typed endpoint (there is
	// no generic delete). ErrNotFound when already gone; ErrDefaultMethod
	// when it is the default and others remain.
	DeleteMethod(ctx context.Context, userID string, m Method) error
	SignInPreferences // the default method, which Graph deletes last
	// RevokeSessions invalidates the user's refresh tokens and session cookies.
	RevokeSessions(ctx context.Context, userID string) error
	// AddGroupMember adds the user through members/$ref; an existing
	// membership is success.
	AddGroupMember(ctx context.Context, groupID, userID string) error
	// Resume continues an access-package request waiting for our callback.
	Resume(ctx context.Context, requestID string, r Resume) error
}

// Errors every implementation maps onto, so workflows can decide without
// knowing Graph's error codes.
var (
	ErrNotFound       = errors.New("not found in the directory")
	ErrOutcomeUnknown = errors.New("outcome unknown: the request may have been applied")
	ErrThrottled      = errors.New("throttled by Microsoft Graph")
	ErrUnavailable    = errors.New("Microsoft Graph unavailable")
	// ErrDefaultMethod: Graph refuses to delete the default method while
	// other methods remain; delete it last.
	ErrDefaultMethod = errors.New("the user's default method cannot be deleted while others remain")
	// ErrUnsupportedQuery: Graph refused a query option or filter
	// operator (400 Request_UnsupportedQuery).
	ErrUnsupportedQuery = errors.New("query not supported by Microsoft Graph")
	// ErrUnsupportedMethod: a method type with no typed delete endpoint.
	ErrUnsupportedMethod = errors.New("method type cannot be deleted")
)

// Error is a Graph failure with what is safe to show: status and error
// code, never request bodies.
type Error struct {
	Op      string
	Status  int
	Code    string
	Message string
	Kind    error // one of the sentinel errors above, or nil
}

func (e *Error) Error() string {
	s := fmt.Sprintf("graph %s: status %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap lets errors.Is match the sentinel kind.
func (e *Error) Unwrap() error { return e.Kind }

// IsObjectID reports whether s has the 8-4-4-4-12 hex form of Entra object
// and application ids.
func IsObjectID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
