package mfareset

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
)

// guard decides whether the account may be reset and where the pass will
// go, before anything is changed. The reads run in parallel: the user,
// their memberships, their methods and default method (for the deletion
// plan) and the recipients need only the id.
func (r *run) guard() error {
	var (
		user       directory.User
		facts      guard.Facts
		recipients []directory.User
	)
	ctx, id := r.ctx, r.rec.TargetID
	err := parallel(
		func() (err error) { user, err = r.w.Dir.User(ctx, id); return err },
		func() (err error) { facts, err = r.w.Guard.Gather(ctx, id); return err },
		func() (err error) { r.methods, r.preferred, err = r.survey(ctx); return err },
		func() (err error) { recipients, err = r.recipients(); return err },
	)
	if errors.Is(err, directory.ErrNotFound) && user.ID == "" {
		return r.conclude(OutcomeRefused, "the user in the request does not exist")
	}
	if err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	if reason := r.refusal(user, facts, recipients); reason != "" {
		return r.conclude(OutcomeRefused, reason)
	}
	r.rec.TargetName, r.rec.TargetUPN = user.DisplayName, user.UPN
	if r.w.Cfg.NotifyUser {
		r.rec.NoticeTo = user.Mail
	}
	r.rec.Recipients = join(mails(recipients))
	return r.save(StepGuarded)
}

// refusal returns why the reset must not happen, or "".
func (r *run) refusal(user directory.User, facts guard.Facts, recipients []directory.User) string {
	if r.rec.RequestorID == r.rec.TargetID && !r.w.Cfg.AllowSelfRequest {
		return "the user requested their own reset; their manager must request it"
	}
	var refusal *guard.Refusal
	if errors.As(r.w.Guard.Decide(user, facts), &refusal) {
		return refusal.Reason
	}
	if len(mails(recipients)) == 0 {
		return "nobody to deliver the pass to: no " + strings.Join(r.w.Cfg.DeliverTo, " or ") + " with a mailbox"
	}
	for _, rc := range recipients {
		if rc.ID == user.ID && !r.w.Cfg.AllowSelfRequest {
			return "the pass would be mailed to the affected user; ask their manager to request it"
		}
	}
	return ""
}

// recipients looks up who receives the pass (RESET_DELIVER_TO). A missing
// manager or requestor is not an error here: refusal decides.
func (r *run) recipients() ([]directory.User, error) {
	var out []directory.User
	add := func(u directory.User, err error) error {
		if errors.Is(err, directory.ErrNotFound) {
			return nil
		}
		if err == nil && !slices.ContainsFunc(out, func(x directory.User) bool { return x.ID == u.ID }) {
			out = append(out, u)
		}
		return err
	}
	for _, who := range r.w.Cfg.DeliverTo {
		var err error
		switch {
		case who == "manager":
			err = add(r.w.Dir.Manager(r.ctx, r.rec.TargetID))
		case who == "requestor" && r.rec.RequestorID != "":
			err = add(r.w.Dir.User(r.ctx, r.rec.RequestorID))
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func mails(us []directory.User) []string {
	var out []string
	for _, u := range us {
		if u.Mail != "" {
			out = append(out, u.Mail)
		}
	}
	return out
}
