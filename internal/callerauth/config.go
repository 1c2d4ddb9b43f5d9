package callerauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

const (
	// DefaultClockSkew tolerates small clock differences on exp/nbf/iat.
	DefaultClockSkew = 2 * time.Minute
	// maxClockSkew bounds the setting: a large skew quietly extends every
	// token's lifetime.
	maxClockSkew = 10 * time.Minute
	// keyFetchTimeout bounds one JWKS request made on behalf of a caller.
	keyFetchTimeout = 10 * time.Second
)

// Config says which tokens to accept.
type Config struct {
	// TenantID is our Entra tenant; tokens must carry it as "tid".
	TenantID string
	// Issuers accepted as "iss". Empty: Entra's v1 and v2 issuers for
	// TenantID (see EntraIssuers).
	Issuers []string
	// Audiences accepted in "aud": our app id URI and/or client id.
	Audiences []string
	// AllowedAppIDs are the calling applications' client ids ("appid" in v1
	// tokens, "azp" in v2 tokens).
	AllowedAppIDs []string
	// RequiredRoles, if set, must all appear in the token's "roles" claim.
	RequiredRoles []string
	// AllowDelegated accepts tokens an allowed application obtained for a
	// signed-in user. Off by default: our callers are services, and a user
	// token would let anyone who can sign in to that application call us.
	AllowDelegated bool
	// JWKSURL is where signing keys are fetched. Empty: Entra's v2 keys
	// endpoint for TenantID. Must be https, except on a loopback host
	// (test doubles).
	JWKSURL string
	// HTTPClient fetches the keys. Nil: a client with a 10 s timeout.
	HTTPClient *http.Client
	// ClockSkew tolerated on exp/nbf/iat. Zero: DefaultClockSkew.
	ClockSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives key refreshes and rejections (never token text).
	// Nil: slog.Default().
	Logger *slog.Logger
}

// EntraIssuers returns the issuer values Entra ID uses for a tenant:
// v1 (sts.windows.net) and v2 (login.microsoftonline.com/.../v2.0).
func EntraIssuers(tenantID string) []string {
	return []string{
		"https://sts.windows.net/" + tenantID + "/",
		"https://login.microsoftonline.com/" + tenantID + "/v2.0",
	}
}

// EntraJWKSURL returns Entra's signing-key endpoint for a tenant. v1 and v2
// tokens are signed with the same keys.
func EntraJWKSURL(tenantID string) string {
	return "https://login.microsoftonline.com/" + tenantID + "/discovery/v2.0/keys"
}

// withDefaults validates cfg and fills in defaults, returning a copy.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.TenantID == "" {
		return cfg, errors.New("callerauth: TenantID is required")
	}
	if len(cfg.Audiences) == 0 {
		return cfg, errors.New("callerauth: at least one audience is required")
	}
	// An empty allow-list would reject everyone; that is a configuration
	// mistake worth failing on at start-up, not a policy.
	if len(cfg.AllowedAppIDs) == 0 {
		return cfg, errors.New("callerauth: at least one allowed caller app id is required")
	}
	// Own the lists, so a caller changing its slices later cannot race
	// with verification.
	cfg.Issuers = slices.Clone(cfg.Issuers)
	cfg.Audiences = slices.Clone(cfg.Audiences)
	cfg.AllowedAppIDs = slices.Clone(cfg.AllowedAppIDs)
	cfg.RequiredRoles = slices.Clone(cfg.RequiredRoles)
	if len(cfg.Issuers) == 0 {
		cfg.Issuers = EntraIssuers(cfg.TenantID)
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = EntraJWKSURL(cfg.TenantID)
	}
	if err := checkJWKSURL(cfg.JWKSURL); err != nil {
		return cfg, err
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.ClockSkew < 0 || cfg.ClockSkew > maxClockSkew {
		return cfg, fmt.Errorf("callerauth: ClockSkew %v outside 0..%v", cfg.ClockSkew, maxClockSkew)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: keyFetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

// checkJWKSURL insists on https: keys fetched in clear text could be
// replaced by anyone on the path. Loopback http is allowed for test doubles.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("callerauth: JWKSURL %q is not an absolute URL", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" && isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("callerauth: JWKSURL %q must use https", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
