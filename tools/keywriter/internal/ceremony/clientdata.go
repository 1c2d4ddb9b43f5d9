package ceremony

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
)

// clientData is CollectedClientData in the member order python-fido2 and
// DSInternals write it; json.Marshal keeps struct order, adds no space
// and no trailing newline.
type clientData struct {
	Type        string `json:"type"`
	Challenge   string `json:"challenge"`
	Origin      string `json:"origin"`
	CrossOrigin bool   `json:"crossOrigin"`
}

// ClientDataJSON is the exact byte string sent to Entra; the key signs
// its SHA-256 (ClientDataHash). The challenge is the canonical base64url
// of the decoded bytes and the origin https:// + rp.id.
func (r Request) ClientDataJSON() []byte {
	b, err := json.Marshal(clientData{
		Type:      "webauthn.create",
		Challenge: base64.RawURLEncoding.EncodeToString(r.Challenge),
		Origin:    Origin(r.RPID),
	})
	if err != nil {
		panic(err) // strings and a bool always marshal
	}
	return b
}

// Origin is the WebAuthn origin Entra checks for rpID.
func Origin(rpID string) string { return "https://" + rpID }

// ClientDataHash is SHA-256 of clientDataJSON, what makeCredential takes.
func ClientDataHash(clientDataJSON []byte) []byte {
	h := sha256.Sum256(clientDataJSON)
	return h[:]
}
