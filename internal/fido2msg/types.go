package fido2msg

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Challenge timeout bounds of beta creationOptions(challengeTimeoutInMinutes).
const (
	MinChallengeMinutes = 5
	MaxChallengeMinutes = 43200
)

// MaxDisplayName is the longest fido2 method display name we send (the
// limit Entra's own tools keep to).
const MaxDisplayName = 30

// MaxUserIDs bounds a userIds job; larger sets belong in a group.
const MaxUserIDs = 10000

// Job asks for one pending message per user of a group (transitive, users
// only) or of a list of user ids. A job that does not fit one invocation
// continues in follow-up messages carrying Next or Offset.
type Job struct {
	Header
	JobID   string   `json:"jobId"`
	GroupID string   `json:"groupId,omitempty"`
	UserIDs []string `json:"userIds,omitempty"`
	// ChallengeTimeoutMinutes is how long the desk has to write each key.
	ChallengeTimeoutMinutes int `json:"challengeTimeoutMinutes"`
	// ReplaceExisting deletes the user's other passkeys once the new one
	// is registered.
	ReplaceExisting bool `json:"replaceExisting"`
	// DisplayNameTemplate names the new method; {model}, {serial} and
	// {date} are filled in at the desk. Empty: "{model} {serial}".
	DisplayNameTemplate string `json:"displayNameTemplate,omitempty"`
	// IncludeProtected lets a job enroll protected accounts (role holders,
	// the protected group); by default they are refused and counted.
	IncludeProtected bool   `json:"includeProtected,omitempty"`
	RequestedBy      string `json:"requestedBy,omitempty"`
	// Page numbers the slice of the job a message covers (0 for the
	// first); Next is the group expansion's @odata.nextLink to continue
	// from, Offset the index into UserIDs. Set only on follow-up messages.
	Page   int    `json:"page,omitempty"`
	Next   string `json:"next,omitempty"`
	Offset int    `json:"offset,omitempty"`
	// Before counts the users of the pages before this one, so each
	// pending message can say "item N of the job".
	Before int `json:"before,omitempty"`
	// Run numbers a re-run of the same job (0 for the first): a re-run
	// walks the group again and retries users whose earlier run failed or
	// whose challenge expired; users pending or registered are left alone.
	Run int `json:"run,omitempty"`
}

// DefaultDisplayNameTemplate names a key by its model and serial.
const DefaultDisplayNameTemplate = "{model} {serial}"

// placeholders are what a display name template may contain.
var placeholders = []string{"{model}", "{serial}", "{date}"}

// Validate reports every problem with a job, or nil.
func (j Job) Validate() error {
	var errs []error
	if !directory.IsObjectID(j.JobID) {
		errs = append(errs, errors.New("jobId must be a GUID"))
	}
	switch {
	case j.GroupID == "" && len(j.UserIDs) == 0:
		errs = append(errs, errors.New("give groupId or userIds"))
	case j.GroupID != "" && len(j.UserIDs) > 0:
		errs = append(errs, errors.New("give groupId or userIds, not both"))
	case j.GroupID != "" && !directory.IsObjectID(j.GroupID):
		errs = append(errs, errors.New("groupId must be an object id (GUID)"))
	case len(j.UserIDs) > MaxUserIDs:
		errs = append(errs, fmt.Errorf("userIds holds %d ids, at most %d; use a group", len(j.UserIDs), MaxUserIDs))
	}
	for i, id := range j.UserIDs {
		if !directory.IsObjectID(id) {
			errs = append(errs, fmt.Errorf("userIds[%d] must be an object id (GUID)", i))
			break
		}
	}
	if j.ChallengeTimeoutMinutes < MinChallengeMinutes || j.ChallengeTimeoutMinutes > MaxChallengeMinutes {
		errs = append(errs, fmt.Errorf("challengeTimeoutMinutes must be %d..%d", MinChallengeMinutes, MaxChallengeMinutes))
	}
	if err := CheckTemplate(j.DisplayNameTemplate); err != nil {
		errs = append(errs, err)
	}
	if j.Offset < 0 || j.Offset > len(j.UserIDs) {
		errs = append(errs, errors.New("offset is outside userIds"))
	}
	if j.Run < 0 {
		errs = append(errs, errors.New("run must not be negative"))
	}
	if j.Page < 0 || (j.Page > 0) != (j.Next != "" || j.Offset > 0) {
		errs = append(errs, errors.New("page must be 0 on a new job and above 0 on a follow-up (next or offset)"))
	}
	return errors.Join(errs...)
}

// CheckTemplate accepts a display name template: printable text with
// only the known placeholders, short enough to leave room for values.
func CheckTemplate(t string) error {
	if t == "" {
		return nil
	}
	rest := t
	for _, p := range placeholders {
		rest = strings.ReplaceAll(rest, p, "")
	}
	switch {
	case !utf8.ValidString(t) || strings.ContainsFunc(t, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("displayNameTemplate must be printable text")
	case strings.ContainsAny(rest, "{}"):
		return fmt.Errorf("displayNameTemplate may contain only the placeholders %s", strings.Join(placeholders, ", "))
	case utf8.RuneCountInString(t) > 64:
		return errors.New("displayNameTemplate is longer than 64 characters")
	}
	return nil
}

// RenderDisplayName fills a template and keeps it within MaxDisplayName
// characters.
func RenderDisplayName(template, model, serial string, date time.Time) string {
	if template == "" {
		template = DefaultDisplayNameTemplate
	}
	s := strings.NewReplacer("{model}", model, "{serial}", serial, "{date}", date.UTC().Format("2006-01-02")).Replace(template)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > MaxDisplayName {
		s = strings.TrimSpace(string(r[:MaxDisplayName]))
	}
	if s == "" {
		s = "Security key"
	}
	return s
}

// PendingUser names the user a key is written for.
type PendingUser struct {
	ID          string `json:"id"`
	UPN         string `json:"userPrincipalName"`
	DisplayName string `json:"displayName"`
}

// Pending is one user's creation options waiting at the desk. The queue
// message lives until ChallengeExpiresAt: Entra refuses the attestation
// afterwards.
type Pending struct {
	Header
	JobID string      `json:"jobId"`
	Index int         `json:"index"` // 1-based position in the job
	User  PendingUser `json:"user"`
	// CreationOptions are Graph's webauthnCredentialCreationOptions,
	// verbatim ({"challengeTimeoutDateTime", "publicKey": {...}}).
	CreationOptions     json.RawMessage `json:"creationOptions"`
	ChallengeExpiresAt  time.Time       `json:"challengeExpiresAt"`
	DisplayNameTemplate string          `json:"displayNameTemplate,omitempty"`
	IssuedAt            time.Time       `json:"issuedAt"`
}

// Validate reports every problem with a pending message, or nil.
func (p Pending) Validate() error {
	var errs []error
	if !directory.IsObjectID(p.JobID) {
		errs = append(errs, errors.New("jobId must be a GUID"))
	}
	if !directory.IsObjectID(p.User.ID) {
		errs = append(errs, errors.New("user.id must be an object id"))
	}
	var opts struct {
		PublicKey json.RawMessage `json:"publicKey"`
	}
	if err := json.Unmarshal(p.CreationOptions, &opts); err != nil || len(opts.PublicKey) == 0 {
		errs = append(errs, errors.New("creationOptions must be Graph's webauthnCredentialCreationOptions with publicKey"))
	}
	if p.ChallengeExpiresAt.IsZero() {
		errs = append(errs, errors.New("challengeExpiresAt is missing"))
	}
	return errors.Join(errs...)
}

// Credential is the new credential as the registration POST wants it:
// base64url without padding.
type Credential struct {
	ID                string `json:"id"`
	ClientDataJSON    string `json:"clientDataJSON"`
	AttestationObject string `json:"attestationObject"`
}

// KeyInfo describes the authenticator a credential was written to.
type KeyInfo struct {
	AAGUID   string `json:"aaguid,omitempty"`
	Model    string `json:"model,omitempty"`
	Serial   string `json:"serial,omitempty"`
	Firmware string `json:"firmware,omitempty"`
}

// Result is a written key's attestation on its way to Entra. It never
// holds a PIN.
type Result struct {
	Header
	JobID       string     `json:"jobId"`
	UserID      string     `json:"userId"`
	Credential  Credential `json:"credential"`
	DisplayName string     `json:"displayName"`
	Key         KeyInfo    `json:"key"`
	WrittenAt   time.Time  `json:"writtenAt"`
	// Workstation names the desk that wrote the key, for the audit trail.
	Workstation string `json:"workstation,omitempty"`
}

var rawURL = base64.RawURLEncoding.Strict()

// Validate reports every problem with a result, or nil.
func (r Result) Validate() error {
	var errs []error
	if !directory.IsObjectID(r.JobID) {
		errs = append(errs, errors.New("jobId must be a GUID"))
	}
	if !directory.IsObjectID(r.UserID) {
		errs = append(errs, errors.New("userId must be an object id"))
	}
	for name, v := range map[string]string{
		"credential.id": r.Credential.ID, "credential.clientDataJSON": r.Credential.ClientDataJSON,
		"credential.attestationObject": r.Credential.AttestationObject,
	} {
		if b, err := rawURL.DecodeString(v); err != nil || len(b) == 0 {
			errs = append(errs, fmt.Errorf("%s must be base64url without padding", name))
		}
	}
	if n := utf8.RuneCountInString(r.DisplayName); n == 0 || n > MaxDisplayName {
		errs = append(errs, fmt.Errorf("displayName must be 1..%d characters", MaxDisplayName))
	}
	return errors.Join(errs...)
}

// NewJob, NewPending and NewResult stamp the header.
func NewJob(j Job) Job             { j.Header = Header{TypeJob, Version}; return j }
func NewPending(p Pending) Pending { p.Header = Header{TypePending, Version}; return p }
func NewResult(r Result) Result    { r.Header = Header{TypeResult, Version}; return r }
