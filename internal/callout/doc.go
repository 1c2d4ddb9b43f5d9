// Package callout parses the body Entra ID Entitlement Management sends to an
// access package custom extension, as forwarded unchanged by the relay Logic
// App (tools/setup/relay), and shapes the data for the later resume call.
//
// The wire format is PascalCase ("AccessPackageAssignmentRequestId",
// "CallbackUriPath", "Assignment.Target.ObjectId"), unlike the camelCase
// resource pages (design reference graph-api.md §1.2). Keys match
// case-insensitively, as encoding/json does, and unknown keys are ignored
// because Entra adds fields over time.
//
// Parse is strict about what we act on: ids must be GUIDs, and
// CallbackUriPath must be a plain Graph path under
// /identityGovernance/entitlementManagement/, because it is appended to our
// configured Graph base URL and must never be able to point us elsewhere.
// Errors are *ParseError values whose text never quotes the input, so they
// are safe to return to the caller and to log.
package callout
