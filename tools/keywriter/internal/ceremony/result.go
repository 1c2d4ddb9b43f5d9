package ceremony

import (
	"encoding/base64"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

// Written describes a credential the key made, for the result message.
type Written struct {
	ClientDataJSON []byte
	Checked        Checked
	Key            fido2msg.KeyInfo
	// Serial is what {serial} in the display name becomes; it falls back
	// to a short credential fingerprint when the key's serial is unknown.
	Serial      string
	Workstation string
	At          time.Time
}

var b64 = base64.RawURLEncoding.EncodeToString

// Result is the fido2-results message for a pending item: base64url
// without padding as the registration POST wants it, a display name of at
// most 30 characters, no PIN.
func Result(p fido2msg.Pending, w Written) fido2msg.Result {
	return fido2msg.NewResult(fido2msg.Result{
		JobID: p.JobID, UserID: p.User.ID,
		Credential: fido2msg.Credential{
			ID:                b64(w.Checked.AuthData.CredentialID),
			ClientDataJSON:    b64(w.ClientDataJSON),
			AttestationObject: b64(w.Checked.AttestationObject),
		},
		DisplayName: fido2msg.RenderDisplayName(p.DisplayNameTemplate, w.Key.Model, w.Serial, w.At),
		Key:         w.Key,
		WrittenAt:   w.At.UTC(),
		Workstation: w.Workstation,
	})
}
