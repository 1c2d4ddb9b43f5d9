// Package host speaks the Azure Functions custom-handler protocol: it knows
// how the Functions host talks to a handler process and nothing about Entra.
//
// The host reaches the handler in three ways, all served by [Server]:
//
//   - GET / is the readiness probe. The host polls it every 25 ms until any
//     answer arrives, so the server answers at once, even before [Server.Ready].
//   - POST /{FunctionName} is a JSON invocation: {"Data":{...},"Metadata":{...}}
//     in, {"Outputs":{...},"Logs":[],"ReturnValue":null} out.
//   - /{routePrefix}/{route} is a forwarded HTTP request (host.json
//     customHandler.enableForwardingHttpRequest, functions with exactly one
//     httpTrigger and one http output); the response is passed to the caller.
//
// The host fails an invocation whose response is not 2xx, lacks
// Content-Type: application/json, or has an empty body, so every answer here
// is JSON with at least "{}". Payload quirks (double-encoded queue data,
// quoted ids, numbers as strings) are handled in decode.go; the reference is
// shared/reference/functions-host.md §2.
package host
