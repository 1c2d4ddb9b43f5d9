package graphdouble

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf16"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

// maxFido2DisplayName: DSInternals' Register-EntraPasskey accepts 1-30
// characters (powershellYK: 3-30); Microsoft does not document a limit.
// The double refuses longer names so that callers keep to 30, which is
// safe whatever the real limit is.
const maxFido2DisplayName = 30

// fido2Body is the part of the POST body the double reads.
type fido2Body struct {
	DisplayName       string
	CredentialID      []byte
	ClientDataJSON    []byte
	AttestationObject []byte
	Extensions        map[string]any
}

// postFido2 registers a passkey made against options this double issued,
// refusing with 400 what Entra refuses (fido2_verify.go).
func postFido2(c *call) {
	u := c.user()
	if u == nil || !c.provisioningAllowed() {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	reg, msg := readFido2Body(body)
	if msg != "" {
		c.fail(http.StatusBadRequest, "badRequest", msg)
		return
	}
	v, msg := c.verifyFido2(u, reg)
	if msg != "" {
		c.fail(http.StatusBadRequest, "badRequest", msg)
		return
	}
	c.registerFido2(u, reg, v)
}

// readFido2Body takes displayName and the three binary values, which must
// be base64url without padding: "Base64URL-encode all binary data without
// padding, as defined in RFC 4648 Section 5. This encoding applies to the
// credential id, clientDataJSON, and attestationObject properties"
// (learn.microsoft.com/graph/api/authentication-post-fido2methods).
func readFido2Body(body map[string]any) (fido2Body, string) {
	var reg fido2Body
	if v, present := body["displayName"]; present && v != nil {
		reg.DisplayName, _ = v.(string)
		if n := len(utf16.Encode([]rune(reg.DisplayName))); n > maxFido2DisplayName {
			return reg, fmt.Sprintf("displayName must be at most %d characters; it has %d.", maxFido2DisplayName, n)
		}
	}
	cred, _ := body["publicKeyCredential"].(map[string]any)
	if cred == nil {
		return reg, "publicKeyCredential is required."
	}
	resp, _ := cred["response"].(map[string]any)
	reg.Extensions, _ = cred["clientExtensionResults"].(map[string]any)
	var bad []string
	for _, f := range []struct {
		name string
		v    any
		dst  *[]byte
	}{
		{"publicKeyCredential.id", cred["id"], &reg.CredentialID},
		{"publicKeyCredential.response.clientDataJSON", resp["clientDataJSON"], &reg.ClientDataJSON},
		{"publicKeyCredential.response.attestationObject", resp["attestationObject"], &reg.AttestationObject},
	} {
		b, ok := rawURL(f.v)
		if !ok {
			bad = append(bad, f.name)
		}
		*f.dst = b
	}
	if len(bad) > 0 {
		return reg, "Missing or invalid value for " + strings.Join(bad, ", ") +
			": binary data must be Base64URL-encoded without padding (RFC 4648 §5)."
	}
	return reg, ""
}

// rawURL decodes unpadded base64url strictly: no "=", "+" or "/".
func rawURL(v any) ([]byte, bool) {
	s, _ := v.(string)
	if s == "" || strings.ContainsAny(s, "=+/\r\n") {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return b, err == nil && len(b) > 0
}

func (c *call) registerFido2(u *User, reg fido2Body, v fido2Verdict) {
	now := c.d.now()
	m := &AuthMethod{
		Type: MethodFido2, ID: credid.MethodID(v.credentialID), CreatedDateTime: now,
		DisplayName: reg.DisplayName, AAGUID: v.aaguid, Model: c.d.opts.FIDO2.Models[v.aaguid],
		AttestationLevel: v.level, AttestationCertificates: v.certificates, PasskeyType: "deviceBound",
	}
	u.AuthenticationMethods = append(u.AuthenticationMethods, m)
	v.challenge.used = true
	c.d.fido2.registrations = append(c.d.fido2.registrations, FIDO2Registration{
		Time: now, UserID: u.ID, MethodID: m.ID, DisplayName: reg.DisplayName, Beta: c.rt.beta,
		CredentialID: v.credentialID, ClientDataJSON: reg.ClientDataJSON, AttestationObject: reg.AttestationObject,
		ClientExtensionResults: deepCopyJSON(reg.Extensions),
	})
	obj := renderMethod(m, now)
	if c.rt.beta {
		delete(obj, "passkeyType") // not in the beta schema
	}
	c.entity(http.StatusCreated, fmt.Sprintf("users('%s')/authentication/fido2Methods/$entity", u.ID), obj)
}

// attestationThumbprints lists the x5c certificates as Graph's
// attestationCertificates: hex SHA-1 thumbprints (the format is not
// documented; thumbprints are what PowerShell output shows).
func attestationThumbprints(x5c []any) []string {
	var out []string
	for _, raw := range x5c {
		if der, ok := raw.([]byte); ok {
			sum := sha1.Sum(der)
			out = append(out, hex.EncodeToString(sum[:]))
		}
	}
	return out
}

// formatAAGUID renders the 16 AAGUID bytes as a GUID string.
func formatAAGUID(b []byte) string {
	id, err := uuid.FromBytes(b)
	if err != nil {
		return ""
	}
	return id.String()
}

// webAuthnJSON is the W3C registration response go-webauthn parses:
// Graph's body has no rawId or type, so they are added.
func webAuthnJSON(reg fido2Body) []byte {
	enc := base64.RawURLEncoding.EncodeToString
	b, _ := json.Marshal(map[string]any{
		"id": enc(reg.CredentialID), "rawId": enc(reg.CredentialID), "type": "public-key",
		"response": map[string]string{
			"clientDataJSON": enc(reg.ClientDataJSON), "attestationObject": enc(reg.AttestationObject),
		},
	})
	return b
}
