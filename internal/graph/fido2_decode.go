package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// errMalformedOptions: Graph answered 200 with something that is not
// usable creation options.
var errMalformedOptions = errors.New("creation options: malformed answer")

// unwrapCreationOptions accepts webauthnCredentialCreationOptions bare (as
// real answers are: 2024 capture in MichaelGrafnetter/webauthn-interop) or
// wrapped in "value" (the beta documentation's example), and returns the
// options object's bytes as received with its challengeTimeoutDateTime.
// It checks only what every consumer needs: a publicKey with a challenge
// and an rp.id, and an expiry.
func unwrapCreationOptions(body []byte) (json.RawMessage, time.Time, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %v", errMalformedOptions, err)
	}
	raw := json.RawMessage(bytes.TrimSpace(body))
	if inner, wrapped := top["value"]; wrapped && top["publicKey"] == nil {
		raw = json.RawMessage(bytes.TrimSpace(inner))
	}
	var o struct {
		Expires   *time.Time `json:"challengeTimeoutDateTime"`
		PublicKey *struct {
			Challenge string `json:"challenge"`
			RP        struct {
				ID string `json:"id"`
			} `json:"rp"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %v", errMalformedOptions, err)
	}
	if o.PublicKey == nil || o.PublicKey.Challenge == "" || o.PublicKey.RP.ID == "" || o.Expires == nil || o.Expires.IsZero() {
		return nil, time.Time{}, fmt.Errorf("%w: publicKey.challenge, publicKey.rp.id or challengeTimeoutDateTime missing", errMalformedOptions)
	}
	return raw, o.Expires.UTC(), nil
}

// fido2MethodJSON is fido2AuthenticationMethod as Graph renders it; the
// SDK's model has no passkeyType, so the POST answer is read here.
type fido2MethodJSON struct {
	ID                      string     `json:"id"`
	DisplayName             *string    `json:"displayName"`
	Created                 *time.Time `json:"createdDateTime"`
	AAGUID                  *string    `json:"aaGuid"`
	Model                   *string    `json:"model"`
	AttestationLevel        *string    `json:"attestationLevel"`
	AttestationCertificates []string   `json:"attestationCertificates"`
	PasskeyType             *string    `json:"passkeyType"`
}

func decodeFido2Method(body []byte) (directory.Fido2Method, error) {
	var m fido2MethodJSON
	if err := json.Unmarshal(body, &m); err != nil || m.ID == "" {
		return directory.Fido2Method{}, &directory.Error{Op: "register passkey", Status: 201,
			Message: "the answer is not a fido2AuthenticationMethod", Kind: directory.ErrOutcomeUnknown}
	}
	out := directory.Fido2Method{
		ID: m.ID, DisplayName: deref(m.DisplayName), AAGUID: deref(m.AAGUID), Model: deref(m.Model),
		AttestationLevel: deref(m.AttestationLevel), AttestationCertificates: m.AttestationCertificates,
		PasskeyType: deref(m.PasskeyType),
	}
	if m.Created != nil {
		out.Created = m.Created.UTC()
	}
	return out, nil
}
