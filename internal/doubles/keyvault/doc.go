// Package keyvault is an in-memory, HTTPS Key Vault secrets service for
// tests, faithful enough for the real azsecrets client: the bearer
// challenge (401 + WWW-Authenticate) that the client's first request
// elicits, GET /secrets/{name}[/{version}], PUT /secrets/{name}, Key
// Vault's error shape ({"error":{"code","message"}}), versioned secrets,
// request counts, latency and fault injection.
//
// The azsecrets client insists on HTTPS when it has a credential and checks
// that the challenge's resource matches the vault's host; NewClient wires
// the TLS server's client and DisableChallengeResourceVerification so the
// unmodified SDK talks to 127.0.0.1.
package keyvault
