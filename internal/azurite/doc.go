// Package azurite starts the Azurite storage emulator (queue and table
// services, in memory) for tests and the local demo.
//
// Azurite is an npm package pinned in tools/package.json; install it with
// "npm ci --prefix tools". A test that needs it and cannot find it fails
// with that hint: a skipped storage test would look like a passing one.
package azurite
