package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/newhire"
)

// app holds the clients and workflows, built once per process.
type app struct {
	log         *slog.Logger
	audit       *audit.Log
	newHire     *newhire.Service
	newHireAuth *callerauth.Verifier
}

func newApp(ctx context.Context, s config.Settings, logger *slog.Logger) (*app, error) {
	cred, err := credential(s.Graph)
	if err != nil {
		return nil, err
	}
	dir, err := graph.New(graph.Config{
		BaseURL:    s.Graph.BaseURL,
		Scope:      s.Graph.Scope,
		Credential: cred,
		Timeout:    s.Graph.Timeout,
		Retry:      graph.RetryPolicy{MaxAttempts: s.Graph.MaxAttempts, MaxDelay: s.Graph.MaxRetryDelay},
		Logger:     logger,
	})
	if err != nil {
		return nil, err
	}
	newHireAuth, err := callerauth.NewVerifier(ctx, callerConfig(s, s.NewHire.CallerAppIDs))
	if err != nil {
		return nil, fmt.Errorf("new-hire caller verification: %w", err)
	}
	a := &app{log: logger, audit: audit.New(logger), newHireAuth: newHireAuth}
	a.newHire = &newhire.Service{
		Dir:             dir,
		Guard:           guard.Guard{Dir: dir, ProtectedGroupID: s.ProtectedGroupID},
		Sender:          s.MailSender,
		LifetimeMinutes: s.NewHire.TAPLifetimeMinutes,
		Audit:           a.audit,
	}
	return a, nil
}

// credential is the app's identity towards Graph: the managed identity in
// Azure (no secrets to store or rotate), or the developer chain locally.
func credential(g config.Graph) (azcore.TokenCredential, error) {
	if g.Credential == config.CredentialDefault {
		return azidentity.NewDefaultAzureCredential(nil)
	}
	opts := &azidentity.ManagedIdentityCredentialOptions{}
	if g.ManagedIdentityClientID != "" {
		opts.ID = azidentity.ClientID(g.ManagedIdentityClientID)
	}
	return azidentity.NewManagedIdentityCredential(opts)
}

func callerConfig(s config.Settings, allowedApps []string) callerauth.Config {
	return callerauth.Config{
		TenantID:      s.TenantID,
		Issuers:       s.CallerAuth.Issuers,
		Audiences:     s.CallerAuth.Audiences,
		AllowedAppIDs: allowedApps,
		JWKSURL:       s.CallerAuth.JWKSURL,
		ClockSkew:     s.CallerAuth.ClockSkew,
	}
}
