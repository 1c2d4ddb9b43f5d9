// Package phonesync is the PhoneSync webhook: it sets each named user's
// MFA mobile phone method from a directory attribute (by default the
// on-premises extensionAttribute15 an HR feed fills), replacing the
// phoneAuthMFA PowerShell runbook and its password-based service account.
//
// Per user: read the user with the source attribute and list their phone
// methods (in parallel); normalise the wanted number with libphonenumber to
// Graph's "+CC NATIONAL[xEXT]" form; decide with a pure table (Decide);
// for a write, refuse protected accounts (guard) and then POST, PATCH or
// DELETE the mobile phone. alternateMobile and office phones are left
// alone (see config.PhoneSync.DeleteAlternateMobile for the one exception).
//
// Callers authenticate with an Entra access token or, for existing callers,
// the runbook's shared "handshake" header (a Key Vault secret, compared in
// constant time). The answer lists every user's result with numbers masked
// to their last two digits; every user is one audit event.
//
// Microsoft-provided SMS and voice MFA retires on 1 February 2027; after
// that a phone method works only through a customer-managed telecom
// provider. Phone sync is for such tenants, or a bridge while users move to
// passkeys.
package phonesync
