package graphdouble

import (
	"encoding/base64"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/softkey"
)

// The double accepts exactly what go-webauthn, run here on its own with the
// options the double issued, accepts: for a correct key and each fault.
func TestFido2DecisionsAgreeWithGoWebAuthn(t *testing.T) {
	for _, policy := range []string{"userVerificationOptional", "userVerificationRequired"} {
		for _, fault := range []softkey.Fault{0, softkey.WrongChallenge, softkey.WrongOrigin, softkey.WrongRPIDHash,
			softkey.NoUV, softkey.BadSignature, softkey.NoCredProtect, softkey.WeakCredProtect} {
			f := newFido2Fixture(t, Options{FIDO2: FIDO2Options{CredentialProtection: policy}})
			opts := f.expect(f.do("GET", v1Opts, nil), 200)
			var faults []softkey.Fault
			if fault != 0 {
				faults = append(faults, fault)
			}
			cred, err := newSoftkey(t, softkey.Options{}).Register(opts.raw, faults...)
			if err != nil {
				t.Fatal(err)
			}
			independent := verifyIndependently(cred, opts)
			r := f.do("POST", v1Post, cred.GraphBody("Key"))
			if (independent == nil) != (r.status == 201) {
				t.Errorf("policy %s, fault %d: go-webauthn says %v, the double %d %s", policy, fault, independent, r.status, r.errorMessage())
			}
		}
	}
}

// verifyIndependently is WebAuthn §7.1 with go-webauthn and nothing from
// the double but the options it answered.
func verifyIndependently(cred softkey.Credential, opts response) error {
	pk := publicKey(opts)
	rp := pk["rp"].(map[string]any)["id"].(string)
	ext := pk["extensions"].(map[string]any)
	pcc, err := protocol.ParseCredentialCreationResponseBytes(cred.WebAuthnJSON())
	if err != nil {
		return err
	}
	if _, err := pcc.Verify(challengeOf(opts), rp, []string{"https://" + rp}, nil, nil, protocol.TopOriginDefaultVerificationMode,
		false, pk["authenticatorSelection"].(map[string]any)["userVerification"] == "required", true, nil,
		[]protocol.CredentialParameter{{Type: protocol.PublicKeyCredentialType, Algorithm: webauthncose.AlgES256}},
		protocol.AttestationPolicy{}, protocol.SignaturePolicy{}); err != nil {
		return err
	}
	return pcc.Response.AttestationObject.AuthData.Ext.Verify(protocol.SessionExtensions{
		CredentialProtectionPolicy:        protocol.CredentialProtectionPolicy(ext["credentialProtectionPolicy"].(string)),
		EnforceCredentialProtectionPolicy: ext["enforceCredentialProtectionPolicy"] == true,
	}, protocol.CreateCeremony)
}

// withFormat rewrites the attestation object's fmt, keeping the rest.
func withFormat(t *testing.T, body map[string]any, format string) map[string]any {
	t.Helper()
	resp := body["publicKeyCredential"].(map[string]any)["response"].(map[string]any)
	var obj map[string]cbor.RawMessage
	if err := cbor.Unmarshal(mustB64(t, resp["attestationObject"].(string)), &obj); err != nil {
		t.Fatal(err)
	}
	obj["fmt"], _ = cbor.Marshal(format)
	raw, err := cbor.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	resp["attestationObject"] = base64.RawURLEncoding.EncodeToString(raw)
	return body
}
