// Package hostsim stands in for the Azure Functions host, which cannot run
// in this project's build environment (reference functions-host.md §8).
//
// It reads the app's host.json and function.json files, builds invocations
// with the host's serialisation (double-encoded queue data, DequeueCount as
// a string, quoted ids, the HTTP request object with header arrays), sends
// them to a handler (the real binary via StartHandler, or an httptest
// server) and judges the answers by the host's rules: a non-2xx answer, a
// missing Content-Type: application/json, an empty body or an output under
// an undeclared binding name fails the invocation. HTTP requests are
// forwarded or wrapped exactly when the host would, after emulating its
// authLevel check; DrainQueue runs the host's queue loop (retry, poison)
// against Azurite.
//
// It is a test harness and demo driver, not a host: no scaling, leases,
// singleton locks or schedules. Where the host's behaviour is inferred from
// its source rather than observed, the reference says so.
package hostsim
