// Package config reads the app's settings (the Function App's application
// settings, or the Values of local.settings.json) into one typed value and
// validates them at start-up. Every setting is documented, with a safe
// example, in local.settings.sample.json at the repository root.
package config

import (
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"
)

// Settings is the whole configuration of the handler.
type Settings struct {
	TenantID   string
	Storage    Storage
	Graph      Graph
	CallerAuth CallerAuth
	// ProtectedGroupID names the group whose (transitive) members are never
	// reset and never get a pass: break-glass and admin accounts.
	ProtectedGroupID string
	// MailSender is the mailbox (UPN or object id) passes are sent from.
	MailSender string
	NewHire    NewHire
	Reset      Reset
	// GroupExpiry configures CaGroupExpiry; the group is Reset.CAGroupID.
	GroupExpiry GroupExpiry
	PhoneSync   PhoneSync
	Fido2       Fido2
	// KeyVaultURL is the vault secrets are read from (e.g. the Teams
	// webhook URL); empty when no feature needs one.
	KeyVaultURL string
	// LedgerTable is the Table storage table of the work ledger.
	LedgerTable string
	LogLevel    slog.Level
}

// Storage is where queues and tables live: a connection string, or service
// URLs used with the managed identity.
type Storage struct {
	ConnectionString string
	QueueServiceURL  string
	TableServiceURL  string
}

// Graph configures Microsoft Graph access.
type Graph struct {
	BaseURL string // e.g. https://graph.microsoft.com/v1.0, a sovereign cloud, or the local sandbox
	Scope   string
	// Credential is "managed-identity" (Azure) or "default" (developer chain).
	Credential string
	// ManagedIdentityClientID selects a user-assigned identity (AZURE_CLIENT_ID).
	ManagedIdentityClientID string
	MaxAttempts             int
	MaxRetryDelay           time.Duration
	Timeout                 time.Duration
}

// CallerAuth describes which Entra access tokens callers may present.
type CallerAuth struct {
	Issuers   []string
	Audiences []string
	JWKSURL   string
	ClockSkew time.Duration
}

// NewHire configures the NewHireTap function.
type NewHire struct {
	CallerAppIDs       []string
	TAPLifetimeMinutes int
}

// Reset configures the approved MFA reset (AccessPackageCallout, MfaReset).
type Reset struct {
	// CallerAppIDs are the relay Logic App's managed identity (client) ids.
	CallerAppIDs []string
	// Stages the callout accepts (accessPackageCustomExtensionStage names).
	Stages             []string
	TAPLifetimeMinutes int
	// MethodTypes are the method kinds removed (directory.MethodType names).
	MethodTypes []string
	// ScopeGroupID, if set, limits resets to (transitive) members.
	ScopeGroupID     string
	AllowSelfRequest bool
	// DeliverTo lists who receives the pass: "manager", "requestor".
	DeliverTo  []string
	NotifyUser bool
	Resume     bool
	// CAGroupID is the temporary Conditional Access group, if any.
	CAGroupID string
	// TeamsWebhookSecret names the Key Vault secret holding a Teams
	// Workflows webhook URL for metadata-only notices; empty: none.
	TeamsWebhookSecret string
	Lease              time.Duration
}

// Resettable method types, and the default: every MFA method.
var (
	ResettableMethods = []string{"phone", "microsoftAuthenticator", "softwareOath", "fido2",
		"windowsHelloForBusiness", "email", "platformCredential", "temporaryAccessPass"}
	resetStages = []string{"assignmentRequestCreated", "assignmentRequestApproved", "assignmentRequestGranted"}
)

// Credential kinds.
const (
	CredentialManagedIdentity = "managed-identity"
	CredentialDefault         = "default"
)

// FromEnv loads settings from the process environment.
func FromEnv() (Settings, error) { return Load(os.LookupEnv) }

// Load reads settings through lookup and returns one error naming every
// missing or invalid setting.
func Load(lookup func(string) (string, bool)) (Settings, error) {
	r := &reader{lookup: lookup}
	var s Settings
	s.TenantID = r.guid("TENANT_ID", true)
	s.Storage = readStorage(r)
	s.Graph = readGraph(r)
	s.CallerAuth = readCallerAuth(r, s.TenantID)
	s.ProtectedGroupID = r.guid("PROTECTED_GROUP_ID", true)
	s.MailSender = r.required("MAIL_SENDER")
	s.NewHire = NewHire{
		CallerAppIDs:       r.guids("NEW_HIRE_CALLER_APP_IDS", true),
		TAPLifetimeMinutes: r.intIn("NEW_HIRE_TAP_LIFETIME_MINUTES", 120, 10, 43200),
	}
	s.Reset = readReset(r)
	s.GroupExpiry = readGroupExpiry(r)
	s.PhoneSync = readPhoneSync(r)
	s.Fido2 = readFido2(r)
	s.KeyVaultURL = r.httpsURL("KEY_VAULT_URL", "")
	if (s.Reset.TeamsWebhookSecret != "" || s.PhoneSync.HandshakeSecret != "") && s.KeyVaultURL == "" {
		r.fail("KEY_VAULT_URL", "required when RESET_TEAMS_WEBHOOK_SECRET or PHONE_SYNC_HANDSHAKE_SECRET is set")
	}
	s.LedgerTable = r.optional("LEDGER_TABLE", "mfarecoveryledger")
	if !validTableName(s.LedgerTable) {
		r.fail("LEDGER_TABLE", "must be 3-63 letters and digits, starting with a letter, got %q", s.LedgerTable)
	}
	s.LogLevel = readLogLevel(r)
	if len(r.problems) > 0 {
		return s, errors.New("invalid settings:\n  - " + strings.Join(r.problems, "\n  - "))
	}
	return s, nil
}

func readStorage(r *reader) Storage {
	st := Storage{
		ConnectionString: r.optional("AzureWebJobsStorage", ""),
		QueueServiceURL:  r.optional("AzureWebJobsStorage__queueServiceUri", ""),
		TableServiceURL:  r.optional("AzureWebJobsStorage__tableServiceUri", ""),
	}
	if st.ConnectionString == "" && (st.QueueServiceURL == "" || st.TableServiceURL == "") {
		r.fail("AzureWebJobsStorage", "required (a connection string, UseDevelopmentStorage=true, or AzureWebJobsStorage__queueServiceUri and __tableServiceUri for the managed identity)")
	}
	return st
}

func readGraph(r *reader) Graph {
	g := Graph{
		BaseURL:                 r.httpsURL("GRAPH_BASE_URL", "https://graph.microsoft.com/v1.0"),
		Credential:              r.optional("GRAPH_CREDENTIAL", CredentialManagedIdentity),
		ManagedIdentityClientID: r.guid("AZURE_CLIENT_ID", false),
		MaxAttempts:             r.intIn("GRAPH_MAX_ATTEMPTS", 5, 1, 10),
		MaxRetryDelay:           r.seconds("GRAPH_MAX_RETRY_DELAY_SECONDS", 60*time.Second, 1, 300),
		Timeout:                 r.seconds("GRAPH_TIMEOUT_SECONDS", 60*time.Second, 5, 300),
	}
	g.Scope = r.optional("GRAPH_SCOPE", defaultScope(g.BaseURL))
	if g.Credential != CredentialManagedIdentity && g.Credential != CredentialDefault {
		r.fail("GRAPH_CREDENTIAL", "must be %q or %q, got %q", CredentialManagedIdentity, CredentialDefault, g.Credential)
	}
	return g
}

// defaultScope derives the token scope from the Graph endpoint, so a
// sovereign cloud needs only GRAPH_BASE_URL.
func defaultScope(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/.default"
}

func readCallerAuth(r *reader, tenant string) CallerAuth {
	authority := r.httpsURL("AUTHORITY_HOST", "https://login.microsoftonline.com")
	c := CallerAuth{
		Audiences: r.list("CALLER_AUDIENCES", true),
		Issuers:   r.list("CALLER_ISSUERS", false),
		JWKSURL:   r.httpsURL("CALLER_JWKS_URL", authority+"/"+tenant+"/discovery/v2.0/keys"),
		ClockSkew: r.seconds("CALLER_CLOCK_SKEW_SECONDS", 120*time.Second, 0, 600),
	}
	if len(c.Issuers) == 0 {
		// Entra issues v1 tokens (sts.windows.net) unless the app asks for
		// v2; a managed identity's token for a custom app is usually v1.
		c.Issuers = []string{"https://sts.windows.net/" + tenant + "/", authority + "/" + tenant + "/v2.0"}
	}
	return c
}

func readLogLevel(r *reader) slog.Level {
	var l slog.Level
	v := r.optional("LOG_LEVEL", "info")
	if err := l.UnmarshalText([]byte(v)); err != nil {
		r.fail("LOG_LEVEL", "must be debug, info, warn or error, got %q", v)
	}
	return l
}

func readReset(r *reader) Reset {
	rs := Reset{
		CallerAppIDs:       r.guids("ACCESS_PACKAGE_CALLER_APP_IDS", true),
		Stages:             r.oneOf("RESET_STAGES", "assignmentRequestApproved", resetStages),
		TAPLifetimeMinutes: r.intIn("RESET_TAP_LIFETIME_MINUTES", 60, 10, 43200),
		MethodTypes:        r.oneOf("RESET_METHOD_TYPES", strings.Join(ResettableMethods, ","), ResettableMethods),
		ScopeGroupID:       r.guid("RESET_SCOPE_GROUP_ID", false),
		AllowSelfRequest:   r.boolean("RESET_ALLOW_SELF_REQUEST", false),
		DeliverTo:          r.oneOf("RESET_DELIVER_TO", "manager", []string{"manager", "requestor"}),
		NotifyUser:         r.boolean("RESET_NOTIFY_USER", true),
		Resume:             r.boolean("RESET_RESUME", true),
		CAGroupID:          r.guid("CA_GROUP_ID", false),
		TeamsWebhookSecret: r.optional("RESET_TEAMS_WEBHOOK_SECRET", ""),
		Lease:              r.seconds("RESET_LEASE_SECONDS", 120*time.Second, 30, 600),
	}
	if len(rs.DeliverTo) == 0 {
		r.fail("RESET_DELIVER_TO", "must name at least one of manager, requestor")
	}
	return rs
}

// validTableName follows Table storage's naming rule.
func validTableName(s string) bool {
	if len(s) < 3 || len(s) > 63 {
		return false
	}
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
