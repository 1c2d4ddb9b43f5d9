// Package oidc is a local stand-in for Microsoft Entra ID's token side, for
// tests and demos: an RSA-keyed issuer that serves OpenID discovery and a
// JWKS, signs Entra-shaped v1 and v2 access tokens (and forged ones), and
// answers the App Service managed-identity endpoint that azidentity calls
// (IDENTITY_ENDPOINT / IDENTITY_HEADER).
//
// Tokens carry Entra's real issuer strings (https://sts.windows.net/{tid}/
// and https://login.microsoftonline.com/{tid}/v2.0), so a verifier
// configured as in production only needs its JWKS URL pointed here.
//
// Managed-identity tokens are cached by MSAL in a process-wide cache keyed
// by identity and resource. Tests that use the managed-identity endpoint
// should request a resource, or use a user-assigned client id, unique to the
// test run; otherwise a later test (or go test -count=2) gets an earlier
// issuer's token, signed with another key.
package oidc
