// Package ceremony is the WebAuthn side of writing a key: it reads a
// pending message's creation options (Graph's
// webauthnCredentialCreationOptions, verbatim) into the request a
// security key is given, builds the clientDataJSON Entra verifies, checks
// what the key returned before anything irreversible happens, and
// assembles the attestation object the registration POST carries.
//
// It is pure Go and holds no secrets; the libfido2 binding
// (tools/keywriter/internal/fido) talks to the key.
//
// The byte-exact rules come from Yubico's reference script and
// DSInternals, which agree (shared/reference/fido2-keywriter.md §1.5):
//
//   - clientDataJSON is {"type":"webauthn.create","challenge":<base64url
//     without padding of the challenge bytes>,"origin":"https://"+rp.id,
//     "crossOrigin":false}, compact, in that order. The origin is never
//     hard-coded: Entra has answered with more than one rp.id.
//   - the attestation object is the CTAP2-canonical CBOR map {fmt, attStmt,
//     authData} with attStmt exactly as the key returned it, so a packed
//     statement keeps its whole x5c chain (Entra's attestation enforcement
//     needs the chain; libfido2 1.12's x5c accessor returns only the leaf).
package ceremony
