package fido2

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/audit"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/credid"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

// RegisterAction names registrations in audit events.
const RegisterAction = "fido2.register"

// inFlight is how long a registration another delivery started is left
// alone before this one resolves it from Graph.
const inFlight = 90 * time.Second

// errBusy: another delivery is registering this key right now.
var errBusy = errors.New("another delivery is registering this key")

// ResultQueue is the Fido2Register function: one fido2-results message is
// one key the desk wrote. It registers the key in Entra, records the
// method id, deletes the user's older passkeys if the job says so (only
// after the new one is registered), and writes one audit event.
func (s *Service) ResultQueue(ctx context.Context, msg *host.QueueMessage) (host.Outputs, error) {
	if s.Cfg.Disabled {
		return nil, s.refuseResult(ctx, fido2msg.Result{}, errDisabled)
	}
	var r fido2msg.Result
	if err := fido2msg.DecodeJSON(msg.Body, fido2msg.TypeResult, &r); err != nil {
		return nil, s.refuseResult(ctx, r, err)
	}
	if err := r.Validate(); err != nil {
		return nil, s.refuseResult(ctx, r, fmt.Errorf("invalid result: %w", err))
	}
	job, row, err := s.resultRows(ctx, r)
	if err != nil {
		return nil, s.refuseResult(ctx, r, err)
	}
	err = s.register(ctx, r, job, row)
	waiting := row.State == StatePending || row.State == StateWritten
	if err != nil && waiting && msg.DequeueCount >= s.Cfg.MaxDequeueCount && !errors.Is(err, errBusy) {
		// The last delivery: the job's status must say why before the
		// message goes to fido2-results-poison.
		_ = s.settle(ctx, row, StateFailed, "registration failed: "+reasonOf(err))
		s.auditResult(ctx, r, audit.Failed, reasonOf(err), nil)
	}
	return nil, err
}

func (s *Service) refuseResult(ctx context.Context, r fido2msg.Result, err error) error {
	s.auditResult(ctx, r, audit.Failed, err.Error(), nil)
	return err
}

// resultRows reads the job and the user's row: a result for a user the
// job never sent options to is refused.
func (s *Service) resultRows(ctx context.Context, r fido2msg.Result) (*JobRecord, *UserRecord, error) {
	job, err := s.Jobs.Get(ctx, jobKeysPK(), r.JobID)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil, fmt.Errorf("unknown job %s", r.JobID)
	}
	if err != nil {
		return nil, nil, err
	}
	pk, rk := userKeys(r.JobID, r.UserID)
	row, err := s.Users.Get(ctx, pk, rk)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, nil, fmt.Errorf("job %s sent no creation options to user %s", r.JobID, r.UserID)
	}
	return job, row, err
}

// register moves the row to registered, resolving an earlier delivery's
// uncertain outcome from Graph instead of posting the key twice.
func (s *Service) register(ctx context.Context, r fido2msg.Result, job *JobRecord, row *UserRecord) error {
	switch row.State {
	case StateRegistered:
		return s.replace(ctx, r, job, row) // finishes an interrupted clean-up; else nothing
	case StateWritten:
		if s.now().Sub(row.Updated) < inFlight {
			return errBusy
		}
	case StatePending:
	default:
		return s.refuseResult(ctx, r, fmt.Errorf("the user is %s (%s), not waiting for a key", row.State, row.Reason))
	}
	if s.now().After(row.ChallengeExpires) {
		return s.expired(ctx, r, job, row)
	}
	if refused, err := s.stillUnprotected(ctx, r, job, row); refused || err != nil {
		return err
	}
	cred, err := base64.RawURLEncoding.DecodeString(r.Credential.ID)
	if err != nil {
		return err // Validate checked it
	}
	prior := row.State
	row.State, row.KeyModel, row.AAGUID = StateWritten, r.Key.Model, r.Key.AAGUID
	if err := s.save(ctx, row); err != nil {
		return err // a conflict: another delivery moved it; the retry reads again
	}
	m, err := s.post(ctx, r, cred, prior == StateWritten)
	if err != nil {
		return s.registrationFailed(ctx, r, row, err)
	}
	row.State, row.MethodID, row.Reason = StateRegistered, m.ID, ""
	if err := s.save(ctx, row); err != nil {
		return err
	}
	s.auditResult(ctx, r, audit.Succeeded, "", []slog.Attr{slog.String("method_id", m.ID)})
	return s.replace(ctx, r, job, row)
}

// stillUnprotected repeats the protection check just before the key is
// registered: the challenge may live for days, and a user who became an
// administrator (or joined the protected group) since the options were
// sent must not receive a key written by someone else. A refusal skips the
// user for good; a check that could not be made is retried, never passed.
func (s *Service) stillUnprotected(ctx context.Context, r fido2msg.Result, job *JobRecord, row *UserRecord) (refused bool, err error) {
	if job.IncludeProtected {
		return false, nil
	}
	err = s.Guard.Check(ctx, directory.User{ID: r.UserID, UPN: row.UPN, DisplayName: row.DisplayName, AccountEnabled: true})
	var refusal *guard.Refusal
	switch {
	case errors.As(err, &refusal):
		s.auditResult(ctx, r, audit.Refused, "protected account: "+refusal.Reason, nil)
		return true, s.settle(ctx, row, StateSkipped, "protected account at registration: "+refusal.Reason)
	case err != nil:
		return false, fmt.Errorf("protection check before registering %s's key: %w", r.UserID, err)
	}
	return false, nil
}

// post registers the key, or finds it already registered when an earlier
// attempt's outcome is unknown: a second POST of one credential would be
// refused as a duplicate, and the answer would hide that it worked.
func (s *Service) post(ctx context.Context, r fido2msg.Result, cred []byte, uncertain bool) (directory.Fido2Method, error) {
	if uncertain {
		if m, ok, err := s.findKey(ctx, r.UserID, cred); err != nil || ok {
			return m, err
		}
	}
	clientData, _ := base64.RawURLEncoding.DecodeString(r.Credential.ClientDataJSON)
	attestation, _ := base64.RawURLEncoding.DecodeString(r.Credential.AttestationObject)
	m, err := s.Graph.RegisterFido2(ctx, r.UserID, directory.Fido2Registration{
		DisplayName: r.DisplayName, CredentialID: cred, ClientDataJSON: clientData, AttestationObject: attestation,
	})
	if errors.Is(err, directory.ErrOutcomeUnknown) {
		if found, ok, lerr := s.findKey(ctx, r.UserID, cred); lerr == nil && ok {
			return found, nil
		}
	}
	return m, err
}

// findKey looks for the credential among the user's passkeys.
func (s *Service) findKey(ctx context.Context, userID string, cred []byte) (directory.Fido2Method, bool, error) {
	ms, err := s.Graph.ListFido2(ctx, userID)
	if err != nil {
		return directory.Fido2Method{}, false, err
	}
	for _, m := range ms {
		if credid.Matches(m.ID, cred) {
			return m, true, nil
		}
	}
	return directory.Fido2Method{}, false, nil
}

// registrationFailed records Graph's refusal (a bad or stale attestation
// will not get better: the user fails now) or hands a transient failure
// back for a retry, with the row marked so the retry checks Graph first.
func (s *Service) registrationFailed(ctx context.Context, r fido2msg.Result, row *UserRecord, err error) error {
	var de *directory.Error
	transient := errors.Is(err, directory.ErrOutcomeUnknown) || errors.Is(err, directory.ErrUnavailable) ||
		errors.Is(err, directory.ErrThrottled) || !errors.As(err, &de)
	if transient {
		row.Updated = time.Time{} // the next delivery resolves it at once
		_ = s.Users.Update(ctx, row)
		return fmt.Errorf("register %s's key: %w", r.UserID, err)
	}
	if serr := s.settle(ctx, row, StateFailed, "Graph refused the key: "+reasonOf(err)); serr != nil {
		return serr
	}
	s.auditResult(ctx, r, audit.Refused, reasonOf(err), nil)
	return nil
}

// expired refuses a key whose challenge ran out (Entra would refuse it)
// and, by setting, sends the user fresh creation options.
func (s *Service) expired(ctx context.Context, r fido2msg.Result, job *JobRecord, row *UserRecord) error {
	s.auditResult(ctx, r, audit.Refused, "the challenge expired before the key was registered", nil)
	if !s.Cfg.RefreshExpired {
		return s.settle(ctx, row, StateExpired, "the challenge expired before the key was registered; re-run the job")
	}
	u := directory.User{ID: r.UserID, UPN: row.UPN, DisplayName: row.DisplayName, AccountEnabled: true}
	raw, expires, reason, err := s.optionsFor(ctx, job, u)
	if err != nil || reason != "" {
		return s.settle(ctx, row, StateFailed, "refreshing expired options: "+reason)
	}
	if err := s.sendPending(ctx, r.JobID, job, u, row.Index, raw, expires); err != nil {
		return err
	}
	row.State, row.ChallengeExpires, row.Issued, row.Reason = StatePending, expires, row.Issued+1, "fresh options after an expired challenge"
	return s.save(ctx, row)
}

func (s *Service) auditResult(ctx context.Context, r fido2msg.Result, outcome, reason string, extra []slog.Attr) {
	attrs := []slog.Attr{slog.String("job_id", r.JobID), slog.String("aaguid", r.Key.AAGUID),
		slog.String("key_model", r.Key.Model), slog.String("workstation", r.Workstation)}
	s.Audit.Record(ctx, audit.Event{Action: RegisterAction, Outcome: outcome, Reason: reason, TargetID: r.UserID,
		Correlation: host.InvocationID(ctx), Attrs: append(attrs, extra...)})
}
