package graphdouble

import (
	"errors"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
)

// Registration is checked as Entra would, by an independent WebAuthn
// library (go-webauthn, WebAuthn §7.1) plus Entra's own rules: the
// challenge is ours, for this user, unexpired and unused; origin is
// https://<rp.id>; rpIdHash; user verification (the options require it);
// ES256 or RS256 (the options offer those); the attestation signature
// (packed with x5c, packed self, or none: "Currently, only attestation
// formats of 'packed' or 'None' are supported", beta
// authentication-post-fido2methods); the enforced credProtect policy; a
// credential id registered once in the tenant.

// fido2Verdict is what an accepted registration learned.
type fido2Verdict struct {
	challenge    *issued
	credentialID []byte
	aaguid       string
	level        string // attested or notAttested
	certificates []string
}

var fido2Algorithms = []protocol.CredentialParameter{
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256},
	{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgRS256},
}

// verifyFido2 returns the verdict, or Graph's 400 message.
func (c *call) verifyFido2(u *User, reg fido2Body) (fido2Verdict, string) {
	pcc, err := protocol.ParseCredentialCreationResponseBytes(webAuthnJSON(reg))
	if err != nil {
		return fido2Verdict{}, "The attestation response could not be parsed: " + describeWebAuthn(err)
	}
	att := &pcc.Response.AttestationObject
	if att.Format != "packed" && att.Format != "none" {
		return fido2Verdict{}, "Only attestation formats of 'packed' or 'none' are supported."
	}
	ch, msg := c.challengeFor(u, pcc.Response.CollectedClientData.Challenge)
	if msg != "" {
		return fido2Verdict{}, msg
	}
	rpID := c.d.opts.FIDO2.rpID()
	if _, err := pcc.Verify(pcc.Response.CollectedClientData.Challenge, rpID, []string{"https://" + rpID}, nil, nil,
		protocol.TopOriginDefaultVerificationMode, false, true, true, nil, fido2Algorithms,
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{}); err != nil {
		return fido2Verdict{}, "The attestation could not be verified: " + describeWebAuthn(err)
	}
	if err := att.AuthData.Ext.Verify(protocol.SessionExtensions{
		CredentialProtectionPolicy:        protocol.CredentialProtectionPolicy(ch.credProtect),
		EnforceCredentialProtectionPolicy: true,
	}, protocol.CreateCeremony); err != nil {
		return fido2Verdict{}, "The credential protection policy was not honoured: " + describeWebAuthn(err)
	}
	return c.judgeFido2(att, ch)
}

// challengeFor finds the issued challenge; the message never repeats the
// challenge itself (thousands of characters, and a bearer of the ceremony).
func (c *call) challengeFor(u *User, challenge string) (*issued, string) {
	ch := c.d.fido2.lookup(challenge)
	switch {
	case ch == nil:
		return nil, "The challenge was not issued by this service. Request new creationOptions."
	case !strings.EqualFold(ch.userID, u.ID):
		return nil, "The challenge was issued for another user."
	case !c.d.now().Before(ch.expires):
		return nil, "The challenge has expired. Request new creationOptions."
	case ch.used:
		return nil, "The challenge was already used to register a passkey. Request new creationOptions."
	}
	return ch, ""
}

// judgeFido2 applies the tenant's rules once the WebAuthn checks passed.
func (c *call) judgeFido2(att *protocol.AttestationObject, ch *issued) (fido2Verdict, string) {
	v := fido2Verdict{challenge: ch, credentialID: att.AuthData.AttData.CredentialID,
		aaguid: formatAAGUID(att.AuthData.AttData.AAGUID), level: "notAttested"}
	if x5c, ok := att.AttStatement["x5c"].([]any); ok && att.Format == "packed" && len(x5c) > 0 {
		v.level, v.certificates = "attested", attestationThumbprints(x5c)
	}
	if c.t.Setup.Fido2.AttestationEnforced && v.level != "attested" {
		return v, "Attestation is enforced by the FIDO2 authentication method policy and the key sent no attestation certificate."
	}
	if c.t.fido2Registered(v.credentialID) {
		return v, "A passkey with this credential ID is already registered."
	}
	return v, ""
}

// fido2Registered reports whether any user holds the credential.
func (t *Tenant) fido2Registered(credentialID []byte) bool {
	id := credid.MethodID(credentialID)
	for _, u := range t.Users {
		for _, m := range u.AuthenticationMethods {
			if m.Type == MethodFido2 && m.ID == id {
				return true
			}
		}
	}
	return false
}

// describeWebAuthn renders a go-webauthn error. Its debug text is left out
// for challenge errors, where it contains the challenge.
func describeWebAuthn(err error) string {
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return err.Error()
	}
	if pe.DevInfo == "" || strings.Contains(strings.ToLower(pe.Details), "challenge") {
		return pe.Details
	}
	return pe.Details + " (" + pe.DevInfo + ")"
}
