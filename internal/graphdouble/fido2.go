package graphdouble

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Passkey provisioning on behalf of users: creationOptions, then POST
// fido2Methods. The double does Entra's bookkeeping (challenge issued to
// this user and unexpired, origin https://<rp.id>, rpIdHash, credential id,
// base64url values) and reads AAGUID and attestation format from the
// attestation object. It does not check attestation signatures: install a
// FIDO2Verifier (e.g. backed by go-webauthn) for that.

// FIDO2Verifier checks a registration the way Entra would. An error is
// answered as 400 badRequest and nothing is registered; the verdict fills
// the method's model and attestation fields. It runs under the tenant lock,
// so it must not call the Double.
type FIDO2Verifier func(reg FIDO2Registration) (FIDO2Verdict, error)

// FIDO2Verdict is what a verifier learned from the attestation.
type FIDO2Verdict struct {
	Model                   string
	AttestationLevel        string // "attested" or "notAttested"
	AttestationCertificates []string
}

// SetFIDO2Verifier installs (or with nil removes) the attestation check.
func (d *Double) SetFIDO2Verifier(v FIDO2Verifier) {
	d.authMu.Lock()
	d.fido2Verifier = v
	d.authMu.Unlock()
}

func (d *Double) currentFIDO2Verifier() FIDO2Verifier {
	d.authMu.Lock()
	defer d.authMu.Unlock()
	return d.fido2Verifier
}

// creationOptionsRE matches the function segment, bare or with the
// challengeTimeoutInMinutes parameter (a literal or an @alias).
var creationOptionsRE = regexp.MustCompile(`^creationOptions(?:\(\s*(?:challengeTimeoutInMinutes\s*=\s*([^)]*))?\))?$`)

// creationOptionsV1 is v1.0 GET .../fido2Methods/creationOptions, whose
// challenge is fixed at 5 minutes.
func creationOptionsV1(c *call) {
	if u := c.user(); u != nil {
		c.entity(http.StatusOK, g+"webauthnCredentialCreationOptions", c.creationOptions(u, 5))
	}
}

// creationOptionsBeta serves beta GET .../fido2Methods/{fn} for fn =
// creationOptions, which takes challengeTimeoutInMinutes (5..43200) in the
// call, as an @alias, or as a plain query option (as Yubico's tool sends it).
func creationOptionsBeta(c *call) {
	m := creationOptionsRE.FindStringSubmatch(c.p["fn"])
	if m == nil {
		c.badRequest("Resource not found for the segment '" + c.p["fn"] + "'. (graphdouble serves only creationOptions here.)")
		return
	}
	minutes, ok := c.challengeMinutes(m[1])
	if !ok {
		return
	}
	if u := c.user(); u != nil {
		c.entity(http.StatusOK, g+"webauthnCredentialCreationOptions", c.creationOptions(u, minutes))
	}
}

func (c *call) challengeMinutes(arg string) (int, bool) {
	q := c.r.URL.Query()
	raw := strings.TrimSpace(arg)
	if alias, ok := strings.CutPrefix(raw, "@"); ok {
		raw = q.Get("@" + alias)
		if raw == "" {
			raw = q.Get(alias) // Kiota's {?challengeTimeoutInMinutes*} expansion
		}
	} else if raw == "" {
		raw = q.Get("challengeTimeoutInMinutes")
	}
	if raw == "" {
		return 5, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 5 || n > 43200 {
		c.badRequest("challengeTimeoutInMinutes must be an integer between 5 and 43200.")
		return 0, false
	}
	return n, true
}

func (c *call) creationOptions(u *User, minutes int) map[string]any {
	now := c.d.now()
	challenge := randomB64(48)
	expires := now.Add(time.Duration(minutes) * time.Minute)
	u.FIDO2Challenges = append(u.FIDO2Challenges, FIDO2Challenge{Challenge: challenge, Expires: expires})
	exclude := []map[string]any{}
	for _, m := range u.AuthenticationMethods {
		if raw, err := decodeB64(m.CredentialID); err == nil && m.Type == MethodFido2 && m.CredentialID != "" {
			// Real answers carry these as standard base64 despite the docs.
			exclude = append(exclude, map[string]any{
				"type": "public-key", "id": base64.StdEncoding.EncodeToString(raw), "transports": []string{"usb", "nfc"},
			})
		}
	}
	return map[string]any{
		"challengeTimeoutDateTime": timeOrNil(expires),
		"publicKey": map[string]any{
			"rp":        map[string]any{"id": c.t.FIDO2RelyingPartyID, "name": "Microsoft"},
			"user":      map[string]any{"id": userHandle(c.t.TenantID, u.ID), "name": u.UserPrincipalName, "displayName": u.DisplayName},
			"challenge": challenge,
			"pubKeyCredParams": []map[string]any{
				{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257},
			},
			"timeout":            60000,
			"excludeCredentials": exclude,
			"authenticatorSelection": map[string]any{
				"authenticatorAttachment": "cross-platform", "requireResidentKey": true, "userVerification": "required",
			},
			"attestation": "direct",
			"extensions": map[string]any{
				"hmacCreateSecret": true, "enforceCredentialProtectionPolicy": true,
				"credentialProtectionPolicy": "userVerificationOptional",
			},
		},
	}
}

// userHandle is a stable per-user WebAuthn user id, base64url.
func userHandle(tenantID, userID string) string {
	h := sha256.Sum256([]byte(tenantID + "/" + userID))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func randomB64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeB64 takes base64url or standard base64, padded or not, as Graph's
// values come in all of these.
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return base64.RawURLEncoding.DecodeString(s)
}

// urlTokenEncode is ASP.NET's UrlTokenEncode: base64url without padding
// plus the number of padding characters removed, the form observed in
// Graph's fido2 method ids.
func urlTokenEncode(b []byte) string {
	std := base64.URLEncoding.EncodeToString(b)
	trimmed := strings.TrimRight(std, "=")
	return trimmed + strconv.Itoa(len(std)-len(trimmed))
}

// postFido2 registers a passkey from a credential made against our options.
func postFido2(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	reg, msg := c.parseRegistration(u, body)
	if msg == "" {
		msg = c.checkClientData(u, reg.ClientDataJSON)
	}
	var auth authData
	if msg == "" {
		auth, msg = c.checkAttestation(reg)
	}
	if msg != "" {
		c.fail(http.StatusBadRequest, "badRequest", msg)
		return
	}
	if msg := duplicateCredential(u, auth.credentialID); msg != "" {
		c.fail(http.StatusBadRequest, "badRequest", msg)
		return
	}
	verdict, err := c.verdict(reg, auth)
	if err != nil {
		c.fail(http.StatusBadRequest, "badRequest", err.Error())
		return
	}
	c.register(u, reg, auth, verdict)
}

func (c *call) parseRegistration(u *User, body map[string]any) (FIDO2Registration, string) {
	reg := FIDO2Registration{Time: c.d.now(), UserID: u.ID, Beta: c.rt.beta}
	reg.DisplayName, _ = body["displayName"].(string)
	cred, _ := body["publicKeyCredential"].(map[string]any)
	resp, _ := cred["response"].(map[string]any)
	reg.ClientExtensionResults, _ = cred["clientExtensionResults"].(map[string]any)
	var errs []string
	decode := func(v any, what string) []byte {
		s, _ := v.(string)
		b, err := decodeB64(s)
		if s == "" || err != nil {
			errs = append(errs, what)
		}
		return b
	}
	reg.CredentialID = decode(cred["id"], "publicKeyCredential.id")
	reg.ClientDataJSON = decode(resp["clientDataJSON"], "clientDataJSON")
	reg.AttestationObject = decode(resp["attestationObject"], "attestationObject")
	if len(errs) > 0 {
		return reg, "Missing or invalid base64url values: " + strings.Join(errs, ", ") + "."
	}
	return reg, ""
}

// checkClientData applies the WebAuthn client data rules Entra enforces:
// a create ceremony, our unexpired challenge, origin https://<rp.id>.
func (c *call) checkClientData(u *User, raw []byte) string {
	var cd struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Origin    string `json:"origin"`
	}
	if err := json.Unmarshal(raw, &cd); err != nil {
		return "clientDataJSON is not JSON."
	}
	if cd.Type != "webauthn.create" {
		return "clientDataJSON.type must be webauthn.create."
	}
	if want := "https://" + c.t.FIDO2RelyingPartyID; cd.Origin != want {
		return fmt.Sprintf("clientDataJSON.origin %q does not match %q.", cd.Origin, want)
	}
	for i := range u.FIDO2Challenges {
		ch := &u.FIDO2Challenges[i]
		if ch.Challenge != strings.TrimRight(cd.Challenge, "=") {
			continue
		}
		if ch.Used || !c.d.now().Before(ch.Expires) {
			return "The challenge has expired or was already used. Request new creationOptions."
		}
		ch.Used = true
		return ""
	}
	return "The challenge was not issued for this user."
}

// authData is what the double reads from an attestation object.
type authData struct {
	format       string
	hasX5C       bool
	aaguid       string
	credentialID []byte
}

func (c *call) checkAttestation(reg FIDO2Registration) (authData, string) {
	v, _, err := decodeCBOR(reg.AttestationObject)
	obj, _ := v.(map[any]any)
	if err != nil || obj == nil {
		return authData{}, "attestationObject is not a CBOR map."
	}
	var a authData
	a.format, _ = obj["fmt"].(string)
	if a.format != "packed" && a.format != "none" {
		return a, "Only 'packed' and 'none' attestation formats are supported."
	}
	stmt, _ := obj["attStmt"].(map[any]any)
	_, a.hasX5C = stmt["x5c"]
	raw, _ := obj["authData"].([]byte)
	return a, parseAuthData(raw, c.t.FIDO2RelyingPartyID, reg.CredentialID, &a)
}

// parseAuthData checks rpIdHash, the UP and AT flags and the credential id
// (WebAuthn §6.1), filling the AAGUID.
func parseAuthData(raw []byte, rpID string, credID []byte, a *authData) string {
	if len(raw) < 55 {
		return "authData is too short."
	}
	if h := sha256.Sum256([]byte(rpID)); !bytes.Equal(raw[:32], h[:]) {
		return "authData.rpIdHash does not match the relying party " + rpID + "."
	}
	flags := raw[32]
	if flags&0x01 == 0 || flags&0x40 == 0 {
		return "authData lacks the user-present or attested-credential flag."
	}
	n := int(raw[53])<<8 | int(raw[54])
	if len(raw) < 55+n {
		return "authData is truncated."
	}
	a.aaguid = formatGUID(raw[37:53])
	a.credentialID = raw[55 : 55+n]
	if !bytes.Equal(a.credentialID, credID) {
		return "publicKeyCredential.id does not match the attested credential id."
	}
	return ""
}

func duplicateCredential(u *User, credID []byte) string {
	id := base64.RawURLEncoding.EncodeToString(credID)
	for _, m := range u.AuthenticationMethods {
		if m.Type == MethodFido2 && m.CredentialID == id {
			return "A passkey with this credential id is already registered for the user."
		}
	}
	return ""
}

func formatGUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (c *call) verdict(reg FIDO2Registration, a authData) (FIDO2Verdict, error) {
	if v := c.d.currentFIDO2Verifier(); v != nil {
		return v(reg)
	}
	level := "notAttested"
	if a.format == "packed" && a.hasX5C {
		level = "attested"
	}
	return FIDO2Verdict{AttestationLevel: level}, nil
}

func (c *call) register(u *User, reg FIDO2Registration, a authData, v FIDO2Verdict) {
	m := &AuthMethod{
		Type: MethodFido2, ID: urlTokenEncode(a.credentialID), CreatedDateTime: c.d.now(),
		DisplayName: reg.DisplayName, CredentialID: base64.RawURLEncoding.EncodeToString(a.credentialID),
		AAGUID: a.aaguid, Model: v.Model, AttestationLevel: v.AttestationLevel,
		AttestationCertificates: v.AttestationCertificates, PasskeyType: "deviceBound",
	}
	if c.rt.beta {
		m.PasskeyType = "" // not in the beta schema
	}
	u.AuthenticationMethods = append(u.AuthenticationMethods, m)
	reg.MethodID = m.ID
	c.t.FIDO2Registrations = append(c.t.FIDO2Registrations, reg)
	obj := renderMethod(m, c.d.now())
	if c.rt.beta {
		delete(obj, "passkeyType")
	}
	c.entity(http.StatusCreated, fmt.Sprintf("users('%s')/authentication/fido2Methods/$entity", u.ID), obj)
}
