// Package sandbox runs a local stand-in for a tenant: the Graph double
// seeded from a JSON file, and a token issuer that plays Entra ID (caller
// tokens, signing keys, and the App Service managed-identity endpoint). The
// handler runs against it unchanged: the same settings, the same azidentity
// managed-identity credential, the same Graph client as in Azure. Used by
// the demo and the end-to-end tests; everything listens on 127.0.0.1.
package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/google/uuid"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/oidc"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// Fixed identities of the sandbox, so a trace reads the same every run.
const (
	// AppAudience is the handler's Application ID URI.
	AppAudience = "api://mfa-recovery"
	// HRAppID is the HR system allowed to call NewHireTap.
	HRAppID = "c0ffee00-0000-4000-8000-0000000000a1"
	// RelayAppID is the relay Logic App's managed identity, the caller of
	// AccessPackageCallout.
	RelayAppID = "c0ffee00-0000-4000-8000-0000000000c4"
	// AdminAppID is the identity admins' tool allowed to call Fido2Jobs.
	AdminAppID = "c0ffee00-0000-4000-8000-0000000000f2"
	// SyncAppID is the directory system allowed to call PhoneSync.
	SyncAppID = "c0ffee00-0000-4000-8000-0000000000d5"
	// CAGroupID is the seed's temporary Conditional Access group.
	CAGroupID = "20000000-0000-4000-8000-000000000003"
	// GraphResource is the audience of the identity's Graph tokens.
	GraphResource = "https://graph.microsoft.com"
	// ProtectedGroupID and Sender match the seed tenant.
	ProtectedGroupID = "20000000-0000-4000-8000-000000000002"
	Sender           = "mfa-recovery@contoso.example"
)

// GraphRoles are the application permissions the sandbox grants the
// managed identity: the README's permission table for the functions that
// exist. The Graph double checks every token carries exactly these.
var GraphRoles = []string{
	"User.Read.All", "GroupMember.ReadWrite.All", "RoleManagement.Read.Directory",
	"UserAuthMethod-TAP.ReadWrite.All", "Mail.Send", "UserAuthenticationMethod.Read.All",
	"UserAuthMethod-Phone.ReadWrite.All", "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
	"UserAuthMethod-SoftwareOATH.ReadWrite.All", "UserAuthMethod-Passkey.ReadWrite.All",
	"UserAuthMethod-WindowsHello.ReadWrite.All", "UserAuthMethod-Email.ReadWrite.All",
	"UserAuthMethod-PlatformCred.ReadWrite.All", "User.RevokeSessions.All", "EntitlementManagement.ReadWrite.All", "AuditLog.Read.All",
}

// Sandbox is a running tenant stand-in.
type Sandbox struct {
	Graph    *graphdouble.Double
	GraphURL string // base URL with /v1.0
	Issuer   *oidc.Server
	TenantID string
	// IdentityClientID is the Function App's managed identity. It is new
	// for every sandbox: MSAL caches managed-identity tokens per process
	// by identity, and a token from an earlier sandbox must not be reused.
	IdentityClientID string

	graphSrv *httptest.Server
}

// Start serves the tenant in seedPath.
func Start(seedPath string, opts graphdouble.Options) (*Sandbox, error) {
	seed, err := graphdouble.LoadSeed(seedPath)
	if err != nil {
		return nil, err
	}
	return StartTenant(seed, opts)
}

// StartTenant serves seed (e.g. a generated tenant for load tests).
func StartTenant(seed *graphdouble.Tenant, opts graphdouble.Options) (*Sandbox, error) {
	clientID := uuid.NewString()
	iss, err := oidc.Start(oidc.Options{
		TenantID: seed.TenantID,
		Identities: []oidc.Identity{{
			ClientID: clientID, ObjectID: uuid.NewString(), UserAssigned: true,
			Roles: map[string][]string{GraphResource: GraphRoles},
		}},
	})
	if err != nil {
		return nil, fmt.Errorf("start token issuer: %w", err)
	}
	s := &Sandbox{Graph: graphdouble.New(seed, opts), Issuer: iss, TenantID: seed.TenantID, IdentityClientID: clientID}
	if err := s.checkGraphTokens(); err != nil {
		iss.Close()
		return nil, err
	}
	s.graphSrv = httptest.NewServer(s.Graph)
	s.GraphURL = s.graphSrv.URL + "/v1.0"
	return s, nil
}

// checkGraphTokens makes the Graph double accept only tokens the issuer
// minted for the managed identity, for Graph, with the granted roles.
func (s *Sandbox) checkGraphTokens() error {
	v, err := callerauth.NewVerifier(context.Background(), callerauth.Config{
		TenantID:      s.TenantID,
		Issuers:       []string{s.Issuer.V1Issuer(), s.Issuer.V2Issuer()},
		Audiences:     []string{GraphResource},
		AllowedAppIDs: []string{s.IdentityClientID},
		RequiredRoles: GraphRoles,
		JWKSURL:       s.Issuer.JWKSURL(),
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return fmt.Errorf("graph token check: %w", err)
	}
	s.Graph.SetAuthCheck(func(r *http.Request) error {
		_, err := v.Verify(r.Context(), r.Header.Get("Authorization"))
		return err
	})
	return nil
}

// Close stops the servers.
func (s *Sandbox) Close() {
	s.graphSrv.Close()
	s.Issuer.Close()
}

// HandlerEnv is the handler's complete configuration against this sandbox,
// with storage at storageConn.
func (s *Sandbox) HandlerEnv(storageConn string) map[string]string {
	env := map[string]string{
		"FUNCTIONS_WORKER_RUNTIME":      "custom",
		"AzureWebJobsStorage":           storageConn,
		"TENANT_ID":                     s.TenantID,
		"GRAPH_BASE_URL":                s.GraphURL,
		"GRAPH_SCOPE":                   GraphResource + "/.default",
		"GRAPH_CREDENTIAL":              "managed-identity",
		"AZURE_CLIENT_ID":               s.IdentityClientID,
		"GRAPH_MAX_RETRY_DELAY_SECONDS": "2",
		"CALLER_AUDIENCES":              AppAudience,
		"CALLER_ISSUERS":                s.Issuer.V1Issuer() + "," + s.Issuer.V2Issuer(),
		"CALLER_JWKS_URL":               s.Issuer.JWKSURL(),
		"PROTECTED_GROUP_ID":            ProtectedGroupID,
		"MAIL_SENDER":                   Sender,
		"NEW_HIRE_CALLER_APP_IDS":       HRAppID,
		"NEW_HIRE_TAP_LIFETIME_MINUTES": strconv.Itoa(120),
		"ACCESS_PACKAGE_CALLER_APP_IDS": RelayAppID,
		"CA_GROUP_ID":                   CAGroupID,
		"CA_GROUP_EXPIRY_SCHEDULE":      "0 */15 * * * *",
		"PHONE_SYNC_CALLER_APP_IDS":     SyncAppID,
		"FIDO2_ENABLED":                 "true",
		"FIDO2_CALLER_APP_IDS":          AdminAppID,
		"LOG_LEVEL":                     "info",
	}
	for k, v := range s.Issuer.IdentityEnv() {
		env[k] = v
	}
	return env
}

// CallerToken is a valid app-only token of the HR application for the
// handler.
func (s *Sandbox) CallerToken() string { return s.TokenFor(HRAppID) }

// RelayToken is the relay Logic App's managed-identity token for the handler.
func (s *Sandbox) RelayToken() string { return s.TokenFor(RelayAppID) }

// TokenFor is a valid app-only token of appID for the handler.
func (s *Sandbox) TokenFor(appID string) string {
	return s.Issuer.Issue(oidc.Claims{Version: "1.0", Audience: AppAudience, AppID: appID})
}

// Forged is a token spoiled in the given way.
func (s *Sandbox) Forged(f oidc.Forgery) string {
	return s.Issuer.Forge(f, oidc.Claims{Version: "1.0", Audience: AppAudience, AppID: HRAppID})
}
