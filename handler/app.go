package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/groupexpiry"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/mfareset"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/newhire"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/notify"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/phonesync"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/queue"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/secrets"
)

// resetQueue is MfaReset's queue (functions/MfaReset/function.json).
const resetQueue = "mfa-reset"

// app holds the clients and workflows, built once per process.
type app struct {
	log         *slog.Logger
	audit       *audit.Log
	newHire     *newhire.Service
	newHireAuth *callerauth.Verifier
	intake      *mfareset.Intake
	intakeAuth  *callerauth.Verifier
	reset       *mfareset.Worker
	expiry      *groupexpiry.Timer
	phoneSync   *phonesync.Service
	fido2       *fido2.Service
	fido2Auth   *callerauth.Verifier
	secrets     *secrets.Store // nil unless a feature reads Key Vault
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
	a := &app{log: logger, audit: audit.New(logger)}
	if a.newHireAuth, err = callerauth.NewVerifier(ctx, callerConfig(s, s.NewHire.CallerAppIDs)); err != nil {
		return nil, fmt.Errorf("new-hire caller verification: %w", err)
	}
	if a.intakeAuth, err = callerauth.NewVerifier(ctx, callerConfig(s, s.Reset.CallerAppIDs)); err != nil {
		return nil, fmt.Errorf("access-package caller verification: %w", err)
	}
	a.newHire = &newhire.Service{
		Dir:             dir,
		Guard:           guard.Guard{Dir: dir, ProtectedGroupID: s.ProtectedGroupID},
		Sender:          s.MailSender,
		LifetimeMinutes: s.NewHire.TAPLifetimeMinutes,
		Audit:           a.audit,
	}
	if s.KeyVaultURL != "" {
		if a.secrets, err = secretStore(s.KeyVaultURL, cred, logger); err != nil {
			return nil, err
		}
	}
	if err := a.buildReset(ctx, s, dir, cred); err != nil {
		return nil, err
	}
	if err := a.buildPhoneSync(ctx, s, dir); err != nil {
		return nil, err
	}
	if err := a.buildFido2(ctx, s, dir, cred); err != nil {
		return nil, err
	}
	return a, nil
}

// buildPhoneSync wires PhoneSync. It authenticates its own callers (an
// Entra token, or the legacy handshake header) and answers 503 when
// neither is configured.
func (a *app) buildPhoneSync(ctx context.Context, s config.Settings, dir *graph.Client) error {
	a.phoneSync = &phonesync.Service{
		Phones: dir,
		Guard:  guard.Guard{Dir: dir, ProtectedGroupID: s.ProtectedGroupID, ScopeGroupID: s.PhoneSync.ScopeGroupID},
		Cfg:    s.PhoneSync,
		Audit:  a.audit,
	}
	if len(s.PhoneSync.CallerAppIDs) > 0 {
		v, err := callerauth.NewVerifier(ctx, callerConfig(s, s.PhoneSync.CallerAppIDs))
		if err != nil {
			return fmt.Errorf("phone-sync caller verification: %w", err)
		}
		a.phoneSync.Tokens = v
	}
	if s.PhoneSync.HandshakeSecret != "" {
		a.phoneSync.Secrets = a.secrets
	}
	return nil
}

// buildReset wires the approved MFA reset: ledger, queue, worker.
func (a *app) buildReset(ctx context.Context, s config.Settings, dir *graph.Client, cred azcore.TokenCredential) error {
	queues, tables, err := storageClients(s.Storage, cred)
	if err != nil {
		return err
	}
	table, err := ledger.Open[mfareset.Record](ctx, tables, s.LedgerTable)
	if err != nil {
		return fmt.Errorf("open the ledger: %w", err)
	}
	members, err := ledger.Open[ledger.Membership](ctx, tables, s.LedgerTable)
	if err != nil {
		return fmt.Errorf("open the ledger: %w", err)
	}
	a.intake = &mfareset.Intake{
		Ledger:  table,
		Enqueue: func(ctx context.Context, j mfareset.Job) error { return queue.Send(ctx, queues, resetQueue, j) },
		Stages:  s.Reset.Stages,
		Audit:   a.audit,
		Now:     time.Now,
		Settle:  time.Second,
	}
	a.reset = &mfareset.Worker{
		Dir:     dir,
		Guard:   guard.Guard{Dir: dir, ProtectedGroupID: s.ProtectedGroupID, ScopeGroupID: s.Reset.ScopeGroupID},
		Ledger:  table,
		Members: members,
		Cfg:     s.Reset,
		Sender:  s.MailSender,
		Audit:   a.audit,
		Requeue: func(ctx context.Context, j mfareset.Job, delay time.Duration) error {
			return queue.SendAfter(ctx, queues, resetQueue, j, delay)
		},
		Instance:        instanceName(),
		MaxDequeueCount: maxDequeueCount(),
		Settle:          2 * time.Second,
		Now:             time.Now,
		Log:             a.log,
	}
	a.expiry = &groupexpiry.Timer{
		Graph: dir, Passes: dir, Ledger: members, GroupID: s.Reset.CAGroupID,
		Cfg: s.GroupExpiry, Audit: a.audit, Log: a.log, Now: time.Now,
	}
	if name := s.Reset.TeamsWebhookSecret; name != "" {
		store := a.secrets
		a.reset.Channel = &notify.Teams{URL: func(ctx context.Context) (string, error) { return store.Get(ctx, name) }}
	}
	return nil
}

// buildFido2 wires bulk FIDO2 enrollment: the job endpoint, the page
// worker and the registration worker, over the shared ledger table.
func (a *app) buildFido2(ctx context.Context, s config.Settings, dir *graph.Client, cred azcore.TokenCredential) error {
	queues, tables, err := storageClients(s.Storage, cred)
	if err != nil {
		return err
	}
	jobs, err := ledger.Open[fido2.JobRecord](ctx, tables, s.LedgerTable)
	if err != nil {
		return fmt.Errorf("open the ledger: %w", err)
	}
	pages, err := ledger.Open[fido2.PageRecord](ctx, tables, s.LedgerTable)
	if err != nil {
		return fmt.Errorf("open the ledger: %w", err)
	}
	users, err := ledger.Open[fido2.UserRecord](ctx, tables, s.LedgerTable)
	if err != nil {
		return fmt.Errorf("open the ledger: %w", err)
	}
	a.fido2 = &fido2.Service{
		Graph: dir, Dir: dir,
		Guard: guard.Guard{Dir: dir, ProtectedGroupID: s.ProtectedGroupID},
		Jobs:  jobs, Pages: pages, Users: users,
		Queues: queue.TextSender{Client: queues},
		Cfg: fido2.Config{
			Disabled: !s.Fido2.Enabled, Concurrency: s.Fido2.Concurrency, RefreshExpired: s.Fido2.RefreshExpired,
			MaxDequeueCount: maxDequeueCount(),
		},
		Audit: a.audit, Now: time.Now, Log: a.log,
	}
	// Without FIDO2_CALLER_APP_IDS the HTTP endpoint stays off (503);
	// jobs put on the queue directly still run.
	if len(s.Fido2.CallerAppIDs) > 0 {
		if a.fido2Auth, err = callerauth.NewVerifier(ctx, callerConfig(s, s.Fido2.CallerAppIDs)); err != nil {
			return fmt.Errorf("fido2 caller verification: %w", err)
		}
	}
	return nil
}

// fido2Jobs is the Fido2Jobs function: token-verified, or off.
func (a *app) fido2Jobs() host.HTTPFunc {
	if a.fido2Auth == nil {
		return func(context.Context, *host.HTTPRequest) *host.HTTPResponse {
			return host.Error(http.StatusServiceUnavailable, "not_configured", "set FIDO2_CALLER_APP_IDS to accept FIDO2 jobs over HTTP")
		}
	}
	return a.requireCaller(a.fido2Auth, fido2.JobsAction, a.fido2.HTTP)
}

// storageClients connect to the app's storage with its connection string,
// or with the managed identity for identity-based settings.
func storageClients(st config.Storage, cred azcore.TokenCredential) (*azqueue.ServiceClient, *aztables.ServiceClient, error) {
	if st.ConnectionString != "" {
		q, err := queue.ServiceClient(st.ConnectionString)
		if err != nil {
			return nil, nil, err
		}
		t, err := ledger.ServiceClient(st.ConnectionString)
		return q, t, err
	}
	q, err := queue.ServiceClientWithCredential(st.QueueServiceURL, cred)
	if err != nil {
		return nil, nil, err
	}
	t, err := ledger.ServiceClientWithCredential(st.TableServiceURL, cred)
	return q, t, err
}

func secretStore(vaultURL string, cred azcore.TokenCredential, log *slog.Logger) (*secrets.Store, error) {
	client, err := azsecrets.NewClient(vaultURL, cred, nil)
	if err != nil {
		return nil, fmt.Errorf("key vault client: %w", err)
	}
	return secrets.NewStore(client, secrets.Options{Logger: log}), nil
}

// instanceName identifies this process in ledger leases.
func instanceName() string {
	if id := os.Getenv("WEBSITE_INSTANCE_ID"); id != "" {
		return id
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
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
