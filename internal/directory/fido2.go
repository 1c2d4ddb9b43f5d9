package directory

import (
	"context"
	"encoding/json"
	"time"
)

// Fido2 is the Graph port of bulk passkey provisioning: expand a group a
// page at a time, get creation options for a user, register the key the
// desk made, and list or delete a user's passkeys. Like GroupMembers it is
// separate from Directory, so the workers that use it can do nothing else.
type Fido2 interface {
	// GroupUsersPage reads one page of the users among the group's
	// transitive members. next is "" for the first page, else the nextLink
	// a previous call returned, which must point at the configured Graph
	// host. nextLink is "" after the last page.
	GroupUsersPage(ctx context.Context, groupID, next string) (users []User, nextLink string, err error)
	// CreationOptions gets webauthnCredentialCreationOptions whose
	// challenge lives challengeTimeoutMinutes (5..43200, beta). raw is the
	// options object as Graph sent it (unwrapped if Graph wrapped it in
	// "value"); expires is its challengeTimeoutDateTime.
	CreationOptions(ctx context.Context, userID string, challengeTimeoutMinutes int) (raw json.RawMessage, expires time.Time, err error)
	// RegisterFido2 posts the attestation. It is never repeated after an
	// uncertain failure: that is ErrOutcomeUnknown, resolved by ListFido2
	// and the credential id (credid.Matches). Graph's refusal reason is in
	// the *Error.
	RegisterFido2(ctx context.Context, userID string, reg Fido2Registration) (Fido2Method, error)
	// ListFido2 lists the user's passkeys.
	ListFido2(ctx context.Context, userID string) ([]Fido2Method, error)
	// DeleteFido2 deletes one passkey; ErrNotFound when it is already gone.
	DeleteFido2(ctx context.Context, userID, methodID string) error
}

// Fido2Registration is what a key made from creation options: the raw
// bytes, encoded for Graph by the implementation.
type Fido2Registration struct {
	// DisplayName names the method (Entra's tools keep it to 30 characters).
	DisplayName       string
	CredentialID      []byte
	ClientDataJSON    []byte
	AttestationObject []byte
}

// Fido2Method is a registered passkey (fido2AuthenticationMethod).
type Fido2Method struct {
	// ID has been observed to be the credential id in ASP.NET
	// UrlTokenEncode form (credid.MethodID); match with credid.Matches.
	ID                      string
	DisplayName             string
	Created                 time.Time
	AAGUID                  string
	Model                   string
	AttestationLevel        string // attested or notAttested
	AttestationCertificates []string
	PasskeyType             string // deviceBound or synced; "" when Graph did not say
}
