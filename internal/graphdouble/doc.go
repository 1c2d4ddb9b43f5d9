// Package graphdouble is an in-memory Microsoft Graph tenant served over
// HTTP, faithful enough that the real msgraph-sdk-go client accepts its
// answers unchanged. Microsoft's cloud is not reachable from our tests, so
// every workflow (MFA reset, Temporary Access Pass, phone sync, temporary CA
// group expiry, entitlement-management resume) is exercised against it.
//
// A Double is an http.Handler for the paths under /v1.0 (and a few under
// /beta); wrap it in httptest.NewServer or httptest.NewTLSServer and point the
// SDK's base URL at server.URL+"/v1.0". The tenant starts from a Tenant value
// (built in Go or loaded with LoadSeed/ParseSeed from JSON, see
// testdata/tenant.json) and is changed only through HTTP calls, Update, or
// the helpers in state.go.
//
// Endpoints (v1.0 unless marked): users/{id|upn} ($select, $expand=manager),
// manager, memberOf, transitiveMemberOf (and their /microsoft.graph.group or
// .directoryRole casts), revokeSignInSessions, sendMail;
// roleManagement/directory roleEligibilityScheduleInstances and
// roleAssignments ($filter eq/in); authentication/methods and the typed
// method collections (list, get, delete; phone POST/PATCH; TAP POST; fido2
// creationOptions and POST, also on beta); groups/{id}, members and
// transitiveMembers (and casts), members/$ref POST/DELETE, members/{id}
// DELETE (which deletes the object, as in Graph); auditLogs/directoryAudits;
// entitlement-management resume (v1.0 and beta); beta signInPreferences
// GET/PATCH. Anything else answers 400 "Resource not found for the segment",
// a wrong method 405.
//
// Test controls: a request log (log.go), fault rules with latency, throttling,
// server errors and dropped answers (faults.go), an optional Authorization
// check (SetAuthCheck), the passkey policy (Options.FIDO2) and the accepted
// registrations (FIDO2Registrations), and reads/writes of the tenant
// (state.go, View, Update).
//
// Shapes follow Graph's published schema; contract_test.go proves every
// property the double emits or accepts exists in the CSDL in testdata/.
//
// The double never writes to a logger or stdout: Temporary Access Pass
// values exist only in the POST answer, in IssuedTAP records, and in mail
// bodies a caller chose to send.
package graphdouble
