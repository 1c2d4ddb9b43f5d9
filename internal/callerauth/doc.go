// Package callerauth verifies the Entra ID access token a caller presents as
// "Authorization: Bearer <JWT>" and turns it into a Caller.
//
// Callers are applications (an HR system, the relay Logic App's managed
// identity), so what matters is which application called, not which user:
// the caller's app id ("appid" in v1 tokens, "azp" in v2 tokens) must be in
// an allow-list, and optionally hold app roles.
//
// Signatures are checked with go-jose against the issuer's JWKS, which is
// fetched lazily, cached, and refreshed when a token names an unknown key id,
// at most once per refresh interval so forged tokens cannot turn the service
// into a load generator against the key endpoint.
//
// Errors carry a short reason that is safe to hand back to the caller; they
// never contain the token or any part of it.
package callerauth
