// Command setup prepares a tenant for entra-mfa-recovery as code: the
// Function identity's Graph permissions (computed from the same settings
// the handler reads), the "passkey or one-time TAP" authentication
// strength, the Conditional Access policies that protect security-info
// registration (report-only unless --enforce), and, given the MFA reset
// access package's catalog and policy, the custom extension that calls
// the relay Logic App, the policy stages that run it and the identity's
// catalog role.
//
//	go run ./tools/setup [plan|apply|verify] --settings local.settings.json \
//	    --break-glass-groups <id>[,<id>] [--break-glass-users <id>,...] [--identity <client id>] [--enforce] \
//	    [--catalog <id> --relay <relay Logic App resource id> [--policy <id>] [--callback-timeout 1h]]
//
// plan (the default) prints what would change and changes nothing; apply
// makes the changes and a second apply finds none; verify checks the
// tenant's posture, one line per check with its fix. It signs in with the
// Azure CLI's account (az login): an administrator who may grant
// application permissions and manage Conditional Access (and, for the
// access package, entitlement management and the relay Logic App).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, connect); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		os.Exit(1)
	}
}

// connect signs in as the Azure CLI's account and talks to the Graph
// endpoint of the settings (sovereign clouds included).
func connect(s config.Settings) (directory.Tenant, error) {
	cred, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.TenantID})
	if err != nil {
		return nil, fmt.Errorf("Azure CLI sign-in (run az login): %w", err)
	}
	c, err := graph.New(graph.Config{BaseURL: s.Graph.BaseURL, Scope: s.Graph.Scope, Credential: cred,
		Timeout: s.Graph.Timeout, Retry: graph.RetryPolicy{MaxAttempts: s.Graph.MaxAttempts, MaxDelay: s.Graph.MaxRetryDelay}})
	if err != nil {
		return nil, err
	}
	return graph.NewTenantAdmin(c, graph.Pacing{}), nil
}
