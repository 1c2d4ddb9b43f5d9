// Package softkey is a software FIDO2 security key for tests: given the
// creation options Microsoft Graph returns (webauthnCredentialCreationOptions,
// bare or wrapped in "value"), it makes a credential the way a CTAP2 key and
// a WebAuthn client would together, and returns what the registration POST
// carries.
//
// What it does is what the reference clients do (Yubico's provisioning
// script through python-fido2, DSInternals.Passkeys; see
// shared/reference/fido2-keywriter.md §1.2-1.5):
//   - clientDataJSON byte for byte: {"type":"webauthn.create","challenge":
//     <base64url of the challenge bytes>,"origin":"https://<rp.id>",
//     "crossOrigin":false}, compact, in that order;
//   - an ES256 credential, its COSE key in the attested credential data,
//     UP and UV set (the PIN was used), credProtect and hmac-secret in the
//     authenticator extension outputs when asked for;
//   - "packed" attestation signed by a self-signed attestation certificate
//     (x5c), packed self attestation, or "none";
//   - the attestation object as CTAP2 canonical CBOR (fxamacker/cbor);
//   - excludeCredentials honoured: a key holding one of the listed
//     credentials refuses with CTAP2_ERR_CREDENTIAL_EXCLUDED, the ids read
//     in every encoding Entra has used (internal/credid).
//
// Faults make it produce each kind of wrong result a verifier must refuse.
// It is a test double: nothing outside tests may import it.
package softkey
