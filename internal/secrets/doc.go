// Package secrets reads the app's secrets from Key Vault with azsecrets and
// keeps them in memory for a refresh interval, so a rotated secret is
// picked up without a restart and a Key Vault blip does not become an
// outage. It also recognises App Service Key Vault references
// (@Microsoft.KeyVault(...)), which the platform leaves in place verbatim
// when it cannot resolve them.
//
// Secret values are never logged or put in errors.
package secrets
