package callerauth

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// maxTokenBytes bounds what we parse; Entra access tokens are a few KB.
const maxTokenBytes = 16 << 10

// acceptedAlgs: Entra signs access tokens with RS256. Anything else,
// including "none" and HMAC (the key-confusion attack), is refused at parse
// time by go-jose.
var acceptedAlgs = []jose.SignatureAlgorithm{jose.RS256}

// Caller is the verified identity of the calling application. It never
// holds the token.
type Caller struct {
	AppID    string // client id of the calling application
	ObjectID string // its service principal's object id ("oid")
	TenantID string
	Roles    []string // app roles granted to it ("roles")
}

// Verifier checks caller tokens. It is safe for concurrent use.
type Verifier struct {
	cfg  Config
	keys *keySet
}

// NewVerifier validates cfg. It does no network I/O: signing keys are
// fetched on first use, so a cold start is not held up by Entra. ctx is
// accepted for symmetry with other constructors and is not retained.
func NewVerifier(_ context.Context, cfg Config) (*Verifier, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	keys := newKeySet(cfg.JWKSURL, cfg.HTTPClient, cfg.Now, cfg.Logger)
	return &Verifier{cfg: cfg, keys: keys}, nil
}

// Verify checks the Authorization header value and returns the caller.
// Errors wrap ErrMissing, ErrInvalid, ErrForbidden or ErrUnavailable and
// carry a reason safe to show the caller.
func (v *Verifier) Verify(ctx context.Context, authorizationHeader string) (Caller, error) {
	caller, err := v.verify(ctx, authorizationHeader)
	if err != nil {
		// The error text is made of fixed reasons only, so logging it
		// cannot leak the token.
		v.cfg.Logger.DebugContext(ctx, "caller token rejected", "reason", err.Error())
		return Caller{}, err
	}
	return caller, nil
}

func (v *Verifier) verify(ctx context.Context, header string) (Caller, error) {
	raw, err := bearerToken(header)
	if err != nil {
		return Caller{}, err
	}
	tok, kid, err := parse(raw)
	if err != nil {
		return Caller{}, err
	}
	// Decode the claims before checking the signature so tokens from an
	// issuer we never accept cannot trigger key fetches. The signature
	// check below covers exactly these payload bytes, so once it passes
	// the claims are trusted.
	var claims entraClaims
	if tok.UnsafeClaimsWithoutVerification(&claims) != nil {
		return Caller{}, reject(ErrInvalid, "malformed claims")
	}
	if !slices.Contains(v.cfg.Issuers, claims.Issuer) {
		return Caller{}, reject(ErrInvalid, "issuer not accepted")
	}
	if err := v.checkSignature(ctx, tok, kid); err != nil {
		return Caller{}, err
	}
	if err := v.checkClaims(&claims); err != nil {
		return Caller{}, err
	}
	return v.authorize(ctx, &claims)
}

// bearerToken extracts the token from "Bearer <token>".
func bearerToken(header string) (string, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", reject(ErrMissing, "bearer token required")
	}
	token = strings.TrimSpace(token)
	if len(token) > maxTokenBytes {
		return "", reject(ErrInvalid, "token too large")
	}
	return token, nil
}

func parse(raw string) (*jwt.JSONWebToken, string, error) {
	tok, err := jwt.ParseSigned(raw, acceptedAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return nil, "", reject(ErrInvalid, "not an RS256-signed JWT")
	}
	kid := tok.Headers[0].KeyID
	if kid == "" {
		return nil, "", reject(ErrInvalid, "token has no key id")
	}
	return tok, kid, nil
}

// checkSignature verifies the token's signature with the key named by kid.
func (v *Verifier) checkSignature(ctx context.Context, tok *jwt.JSONWebToken, kid string) error {
	pub, err := v.keys.key(ctx, kid)
	switch {
	case errors.Is(err, errKeysUnavailable):
		return reject(ErrUnavailable, "signing keys unavailable")
	case err != nil:
		return reject(ErrInvalid, "unknown signing key")
	}
	if tok.Claims(pub) != nil {
		return reject(ErrInvalid, "signature invalid")
	}
	return nil
}

// checkClaims enforces audience, lifetime and tenant (the issuer was
// checked before the signature).
func (v *Verifier) checkClaims(c *entraClaims) error {
	if c.Expiry == nil {
		return reject(ErrInvalid, "token has no expiry")
	}
	expected := jwt.Expected{AnyAudience: v.cfg.Audiences, Time: v.cfg.Now()}
	if err := c.ValidateWithLeeway(expected, v.cfg.ClockSkew); err != nil {
		return reject(ErrInvalid, lifetimeReason(err))
	}
	if !strings.EqualFold(c.TenantID, v.cfg.TenantID) {
		return reject(ErrInvalid, "tenant not accepted")
	}
	return nil
}

func lifetimeReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrInvalidAudience):
		return "audience not accepted"
	case errors.Is(err, jwt.ErrExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrNotValidYet):
		return "token not yet valid"
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return "token issued in the future"
	}
	return "claims not accepted"
}

// authorize applies the app allow-list and required roles.
func (v *Verifier) authorize(ctx context.Context, c *entraClaims) (Caller, error) {
	appID := c.callerAppID()
	if appID == "" {
		return Caller{}, reject(ErrInvalid, "token names no caller application")
	}
	if !containsFold(v.cfg.AllowedAppIDs, appID) {
		v.logRefusal(ctx, "caller application not allowed", c, appID)
		return Caller{}, reject(ErrForbidden, "caller application not allowed")
	}
	if c.delegated() && !v.cfg.AllowDelegated {
		v.logRefusal(ctx, "delegated token refused", c, appID)
		return Caller{}, reject(ErrForbidden, "user (delegated) tokens are not accepted; use the application's own token")
	}
	if !hasAll(c.Roles, v.cfg.RequiredRoles) {
		v.logRefusal(ctx, "caller lacks a required app role", c, appID)
		return Caller{}, reject(ErrForbidden, "caller lacks a required app role")
	}
	return Caller{AppID: appID, ObjectID: c.ObjectID, TenantID: c.TenantID, Roles: c.Roles}, nil
}

// logRefusal records which (authenticated) application was refused, so an
// operator can tell a misconfigured allow-list from an intruder. The values
// come from verified claims, not from the raw token.
func (v *Verifier) logRefusal(ctx context.Context, msg string, c *entraClaims, appID string) {
	v.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, msg,
		slog.String("app_id", appID), slog.String("object_id", c.ObjectID))
}
