package softkey

import (
	"encoding/base64"
	"encoding/json"
	"maps"
)

// Credential is what a key returns for one registration.
type Credential struct {
	ID                []byte
	ClientDataJSON    []byte
	AttestationObject []byte
	// ClientExtensionResults are the WebAuthn client outputs a browser
	// would report ({"hmacCreateSecret": true} when hmac-secret was made).
	ClientExtensionResults map[string]any
}

var b64 = base64.RawURLEncoding.EncodeToString

// GraphBody is the POST .../authentication/fido2Methods body, binary
// values base64url without padding as the documentation requires
// (learn.microsoft.com/graph/api/authentication-post-fido2methods).
func (c Credential) GraphBody(displayName string) map[string]any {
	body := map[string]any{
		"publicKeyCredential": map[string]any{
			"id": b64(c.ID),
			"response": map[string]any{
				"clientDataJSON":    b64(c.ClientDataJSON),
				"attestationObject": b64(c.AttestationObject),
			},
			"clientExtensionResults": maps.Clone(c.ClientExtensionResults),
		},
	}
	if displayName != "" {
		body["displayName"] = displayName
	}
	return body
}

// WebAuthnJSON is the W3C PublicKeyCredential JSON (RegistrationResponseJSON)
// a WebAuthn library parses: Graph's body plus rawId and type.
func (c Credential) WebAuthnJSON() []byte {
	b, err := json.Marshal(map[string]any{
		"id": b64(c.ID), "rawId": b64(c.ID), "type": "public-key",
		"response": map[string]string{
			"clientDataJSON": b64(c.ClientDataJSON), "attestationObject": b64(c.AttestationObject),
		},
	})
	if err != nil {
		panic(err) // only strings
	}
	return b
}
