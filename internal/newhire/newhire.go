// Package newhire issues the onboarding Temporary Access Pass for a new
// account: a one-time pass, mailed to the new hire's manager, never shown
// to the caller. The caller (an HR or IGA system) learns only that it was
// issued, its id, expiry and who received it.
package newhire

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/callerauth"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/notify"
)

// Action names this workflow in audit events.
const Action = "newhire.tap"

// Service is the NewHireTap function.
type Service struct {
	Dir             directory.Directory
	Guard           guard.Guard
	Sender          string // mailbox the pass is sent from
	LifetimeMinutes int
	Audit           *audit.Log
}

// Issued is the 201 answer. It never holds the pass.
type Issued struct {
	UserID       string    `json:"userId"`
	TAPID        string    `json:"tapId"`
	ExpiresAt    time.Time `json:"expiresAt"`
	IsUsableOnce bool      `json:"isUsableOnce"`
	Recipients   []string  `json:"recipients"`
}

// HTTP serves POST /api/new-hire/tap. The caller's token is verified
// before this runs (see handler/).
func (s *Service) HTTP(ctx context.Context, req *host.HTTPRequest) *host.HTTPResponse {
	ev := audit.Event{Action: Action}
	if c, ok := callerauth.FromContext(ctx); ok {
		ev.Caller = c.AppID
	}
	ev.Correlation = req.Headers.Get("X-Azure-Functions-InvocationId")
	out := s.serve(ctx, req, &ev)
	ev.Outcome, ev.Reason = out.outcome, out.reason
	s.Audit.Record(ctx, ev)
	return out.resp
}

// result is one way the request ends: the answer and how it is audited.
type result struct {
	resp    *host.HTTPResponse
	outcome string
	reason  string
}

func refuse(status int, code, detail string) result {
	return result{resp: host.Error(status, code, detail), outcome: audit.Refused, reason: detail}
}

func fail(status int, code, detail string) result {
	return result{resp: host.Error(status, code, detail), outcome: audit.Failed, reason: detail}
}

func (s *Service) serve(ctx context.Context, req *host.HTTPRequest, ev *audit.Event) result {
	ref, bad := parseRequest(req)
	if bad != nil {
		return *bad
	}
	user, err := s.Dir.User(ctx, ref)
	if errors.Is(err, directory.ErrNotFound) {
		return refuse(http.StatusNotFound, "user_not_found", "no user with that object id or user principal name")
	}
	if err != nil {
		return graphFailure("look up the user", err)
	}
	ev.TargetID = user.ID
	if err := s.Guard.Check(ctx, user); err != nil {
		var r *guard.Refusal
		if errors.As(err, &r) {
			return refuse(http.StatusForbidden, "protected_account", r.Reason)
		}
		return graphFailure("check the account's protection", err)
	}
	manager, bad := s.manager(ctx, user.ID)
	if bad != nil {
		return *bad
	}
	return s.mintAndDeliver(ctx, user, manager)
}

// manager finds where the pass can go, before any pass exists.
func (s *Service) manager(ctx context.Context, userID string) (directory.User, *result) {
	m, err := s.Dir.Manager(ctx, userID)
	if errors.Is(err, directory.ErrNotFound) {
		r := refuse(http.StatusUnprocessableEntity, "no_manager", "the user has no manager to deliver the pass to")
		return m, &r
	}
	if err != nil {
		r := graphFailure("look up the manager", err)
		return m, &r
	}
	if m.Mail == "" {
		r := refuse(http.StatusUnprocessableEntity, "manager_without_mail", "the user's manager has no mailbox to deliver the pass to")
		return m, &r
	}
	return m, nil
}

func (s *Service) mintAndDeliver(ctx context.Context, user, manager directory.User) result {
	tap, err := s.Dir.CreateTAP(ctx, user.ID, directory.TAPRequest{LifetimeMinutes: s.LifetimeMinutes, UsableOnce: true})
	if errors.Is(err, directory.ErrOutcomeUnknown) {
		// Nobody has seen a pass that may exist; a retry creates a new one,
		// which replaces it, and only that one is delivered.
		return fail(http.StatusServiceUnavailable, "outcome_unknown",
			"Microsoft Graph did not confirm the pass; none was delivered. Retrying is safe: a new pass replaces any earlier one")
	}
	if err != nil {
		return graphFailure("create the pass", err)
	}
	mail := notify.TAPMail(notify.TAPDelivery{Subject: user, To: []string{manager.Mail}, TAP: tap, Reason: "new account"})
	if err := s.Dir.SendMail(ctx, s.Sender, mail); err != nil {
		return s.withdraw(ctx, user.ID, tap, err)
	}
	return result{outcome: audit.Succeeded, resp: host.JSON(http.StatusCreated, Issued{
		UserID: user.ID, TAPID: tap.ID, ExpiresAt: tap.Expires(), IsUsableOnce: tap.UsableOnce,
		Recipients: []string{manager.Mail},
	})}
}

// withdraw deletes a pass that could not be delivered, so no live pass
// exists that nobody was meant to have.
func (s *Service) withdraw(ctx context.Context, userID string, tap directory.TAP, cause error) result {
	if err := s.Dir.DeleteTAP(ctx, userID, tap.ID); err != nil && !errors.Is(err, directory.ErrNotFound) {
		return fail(http.StatusBadGateway, "delivery_failed",
			"the pass could not be mailed and could not be withdrawn; it expires at "+tap.Expires().UTC().Format(time.RFC3339)+": "+cause.Error())
	}
	return fail(http.StatusBadGateway, "delivery_failed", "the pass could not be mailed, so it was withdrawn; retry later: "+cause.Error())
}

// graphFailure answers a directory error the caller can retry.
func graphFailure(step string, err error) result {
	return fail(http.StatusServiceUnavailable, "directory_unavailable", "could not "+step+": "+err.Error())
}
