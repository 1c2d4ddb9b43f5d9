// Package desk is the operator's run loop: it drains fido2-pending one
// message at a time and writes each user's passkey to a security key.
//
// Per message, in this order (nothing irreversible before the checks):
//
//  1. Lease the message (invisible for Settings.Visibility, renewed while
//     a person works) and read it; a message that cannot be read goes to
//     fido2-pending-poison.
//  2. A message for a credential already in the journal is a duplicate:
//     its result is sent if it never was, and the message deleted.
//  3. An expired challenge is dropped before any key is touched.
//  4. Show who (name, UPN, job, item, time left), wait for exactly one
//     key, read its getInfo, refuse keys that cannot serve (AAGUID
//     allow-list, no resident keys, no PIN support, full, a PIN the policy
//     will not ask for) and ask for another.
//  5. Check the challenge again and renew the lease, then the PIN: a key
//     without one gets a random PIN, stored in Key Vault first when that
//     is the delivery, so a PIN set on a key is never lost; a key with
//     one has it typed by the operator (hidden) if the policy allows.
//  6. makeCredential with the exclude list, the options' algorithm,
//     resident key, credProtect and hmac-secret; the answer is checked and
//     the attestation object assembled (package ceremony).
//  7. Journal the credential and its result message, then send the result
//     to fido2-results, then show the PIN once (screen delivery), then set
//     the minimum PIN length and force a PIN change (the last PIN-using
//     step), then delete the pending message.
//
// The journal is written before the queues are touched, so a crash or
// Ctrl-C never loses a written credential nor writes a user a second key.
// No PIN reaches a log, a queue, the journal or a report.
package desk
