// Package relay holds no code: this folder is the relay Logic App that sits
// between Entra Entitlement Management and the AccessPackageCallout
// function (workflow.json, relay.template.json, README.md). Its tests check
// the template's security settings and that what the relay forwards is what
// internal/callout parses.
package relay
