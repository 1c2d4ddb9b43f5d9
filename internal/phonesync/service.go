package phonesync

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// Audit actions.
const (
	Action      = "phonesync.user"  // one event per user
	BatchAction = "phonesync.batch" // one event per call (and per refused call)
)

// Guard refuses protected accounts (guard.Guard): the sync never writes
// the MFA phone of a role holder, a protected-group member or a guest,
// since a number planted there is a takeover path.
type Guard interface {
	Check(ctx context.Context, u directory.User) error
}

// Service is the PhoneSync function. It authenticates its own callers
// (see auth.go): unlike the other functions it also takes the legacy
// handshake header.
type Service struct {
	Phones directory.Phones
	Guard  Guard
	// Tokens verifies Entra access tokens; nil accepts none.
	Tokens TokenVerifier
	// Secrets reads Cfg.HandshakeSecret; nil refuses the handshake.
	Secrets SecretStore
	Cfg     config.PhoneSync
	Audit   *audit.Log
}

// HTTP serves POST /api/webhooks/phone-sync.
func (s *Service) HTTP(ctx context.Context, req *host.HTTPRequest) *host.HTTPResponse {
	ev := audit.Event{Action: BatchAction, Correlation: req.Headers.Get("X-Azure-Functions-InvocationId")}
	resp := s.serve(ctx, req, &ev)
	s.Audit.Record(ctx, ev)
	return resp
}

func (s *Service) serve(ctx context.Context, req *host.HTTPRequest, ev *audit.Event) *host.HTTPResponse {
	if s.Tokens == nil && (s.Secrets == nil || s.Cfg.HandshakeSecret == "") {
		ev.Outcome, ev.Reason = audit.Failed, "phone sync is not configured"
		return host.Error(http.StatusServiceUnavailable, "not_configured",
			"phone sync accepts no caller: set PHONE_SYNC_CALLER_APP_IDS or PHONE_SYNC_HANDSHAKE_SECRET")
	}
	caller, d := s.authenticate(ctx, req)
	if d != nil {
		ev.Outcome, ev.Reason = audit.Refused, d.reason
		return d.resp
	}
	ev.Caller = caller
	if req.Method != http.MethodPost {
		ev.Outcome, ev.Reason = audit.Refused, "method not allowed"
		return host.Error(http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
	}
	entries, bad := ParseBody(req.Body, s.Cfg.BatchLimit)
	if bad != nil {
		ev.Outcome, ev.Reason = audit.Refused, bad.Detail
		return badBody(bad)
	}
	started := time.Now()
	answer := answerOf(s.Run(ctx, entries, caller, ev.Correlation))
	ev.Outcome = audit.Succeeded
	ev.Attrs = countAttrs(answer.Counts, time.Since(started))
	return host.JSON(http.StatusOK, answer)
}

// badBody answers 400, or 413 with the limit so a caller can split.
func badBody(e *BodyError) *host.HTTPResponse {
	if e.Status == http.StatusRequestEntityTooLarge {
		return host.JSON(e.Status, struct {
			Error  string `json:"error"`
			Detail string `json:"detail"`
			Limit  int    `json:"limit"`
		}{e.Code, e.Detail, e.Limit})
	}
	return host.Error(e.Status, e.Code, e.Detail)
}

func countAttrs(c Counts, took time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.Int("total", c.Total), slog.Int("created", c.Created), slog.Int("updated", c.Updated),
		slog.Int("deleted", c.Deleted), slog.Int("unchanged", c.Unchanged), slog.Int("skipped", c.Skipped),
		slog.Int("errors", c.Error), slog.Int64("duration_ms", took.Milliseconds()),
	}
}
