// Package e2e tests the phone sync end to end over real clients: the
// msgraph-sdk-go adapter against the Graph double, the token verifier
// against the OIDC double, azsecrets against the Key Vault double. It is
// apart from internal/phonesync so that package's unit and fuzz tests
// build without the Graph SDK (whose instrumented fuzz build alone costs
// minutes and gigabytes) and can run under the race detector cheaply.
package e2e
