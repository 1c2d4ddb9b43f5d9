// Package softctap is a software CTAP 2.1 security key for tests. It
// speaks whole CTAPHID messages (INIT, CBOR, CANCEL), so the real libfido2
// drives it through the desk's transport hook (fido.OpenTransport) exactly
// as it drives a USB key: getInfo, clientPIN with PIN/UV auth protocol 1
// (setPIN, changePIN, getPinToken, tokens with permissions), makeCredential
// with an exclude list, resident keys, credProtect and hmac-secret, packed
// attestation with a two-certificate x5c chain, getAssertion for an allow
// list (the silent preflight with up=false), authenticatorConfig
// setMinPINLength (minimum length, forced PIN change) and reset.
//
// A Bus plugs keys in and out, and Key records the commands it received,
// so tests can assert what touched a key and what never did.
//
// It is a test double: nothing outside tests may import it.
package softctap
