package phonesync

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// TokenVerifier checks Entra access tokens (*callerauth.Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, authorizationHeader string) (callerauth.Caller, error)
}

// SecretStore reads Key Vault secrets (*secrets.Store): Get from a cache,
// Refresh to re-read now (rate-limited by the store).
type SecretStore interface {
	Get(ctx context.Context, name string) (string, error)
	Refresh(ctx context.Context, name string) (string, error)
}

// HandshakeCaller is the audit caller of a request that used the legacy
// handshake: it proves knowledge of the secret, not an identity.
const HandshakeCaller = "legacy-handshake"

// denial is an authentication failure: the answer and the audit reason.
type denial struct {
	resp   *host.HTTPResponse
	reason string
}

func deny(status int, code, detail string) *denial {
	r := host.Error(status, code, detail)
	if status == http.StatusUnauthorized {
		r.Headers["WWW-Authenticate"] = `Bearer error="invalid_token"`
	}
	return &denial{resp: r, reason: code + ": " + detail}
}

// authenticate accepts an Entra access token or, for callers of the old
// runbook, the handshake header. A request that carries a token is judged
// by the token alone: a bad token is refused even if a handshake is also
// present, so a caller that moved to tokens cannot silently fall back.
func (s *Service) authenticate(ctx context.Context, req *host.HTTPRequest) (string, *denial) {
	if authz := req.Headers.Get("Authorization"); authz != "" {
		return s.checkToken(ctx, authz)
	}
	if values, sent := req.Headers[http.CanonicalHeaderKey(s.handshakeHeader())]; sent {
		return s.checkHandshake(ctx, values)
	}
	return "", deny(http.StatusUnauthorized, "missing_credentials",
		"send an Entra access token (Authorization: Bearer) or the handshake header")
}

func (s *Service) checkToken(ctx context.Context, authz string) (string, *denial) {
	if s.Tokens == nil {
		return "", deny(http.StatusUnauthorized, "invalid_token", "tokens are not accepted here: PHONE_SYNC_CALLER_APP_IDS is empty")
	}
	caller, err := s.Tokens.Verify(ctx, authz)
	if err != nil {
		status, code := callerauth.Answer(err)
		return "", deny(status, code, err.Error())
	}
	return caller.AppID, nil
}

// checkHandshake compares in constant time. On a mismatch it re-reads the
// secret once (the store allows that at most every 30 s per secret, so a
// guessing caller cannot hammer Key Vault), which lets a secret rotated in
// Key Vault work at once, without a restart.
func (s *Service) checkHandshake(ctx context.Context, values []string) (string, *denial) {
	if s.Secrets == nil || s.Cfg.HandshakeSecret == "" {
		return "", deny(http.StatusUnauthorized, "invalid_handshake", "the handshake is not enabled: use an Entra access token")
	}
	if len(values) != 1 {
		return "", deny(http.StatusUnauthorized, "invalid_handshake", "send the handshake header once")
	}
	for _, read := range []func(context.Context, string) (string, error){s.Secrets.Get, s.Secrets.Refresh} {
		secret, err := read(ctx, s.Cfg.HandshakeSecret)
		if err != nil {
			return "", deny(http.StatusServiceUnavailable, "verification_unavailable", "the handshake secret could not be read from Key Vault")
		}
		if sameSecret(values[0], secret) {
			return HandshakeCaller, nil
		}
	}
	return "", deny(http.StatusUnauthorized, "invalid_handshake", "the handshake value is wrong")
}

// sameSecret compares SHA-256 digests in constant time, so neither the
// content nor the length of the secret leaks through timing. An empty
// secret never matches.
func sameSecret(presented, secret string) bool {
	a, b := sha256.Sum256([]byte(presented)), sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && secret != ""
}

func (s *Service) handshakeHeader() string {
	if s.Cfg.HandshakeHeader == "" {
		return "message"
	}
	return s.Cfg.HandshakeHeader
}
