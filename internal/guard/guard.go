// Package guard refuses accounts that must never be reset or given a pass
// by an automated flow: directory-role holders (active or eligible through
// PIM) and members of the configured protected group (break-glass, admins).
// A TAP for such an account is a takeover path, so the guard fails closed:
// if it cannot find out, the answer is an error, never "allowed".
package guard

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Refusal is a decision not to act, with a reason safe to show approvers.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return "refused: " + r.Reason }

// Guard checks accounts against the protection rules.
type Guard struct {
	Dir              directory.Directory
	ProtectedGroupID string
	// ScopeGroupID, if set, is the group (nested membership counts) a user
	// must be in to be acted on.
	ScopeGroupID string
}

// Facts are what the decision rests on.
type Facts struct {
	Memberships directory.Memberships
	// EligibleRoles are PIM role eligibilities of the user and of the
	// role-assignable groups they belong to.
	EligibleRoles []string
}

// Check returns nil when u may be acted on, a *Refusal when it must not,
// or another error when the directory could not be read.
func (g Guard) Check(ctx context.Context, u directory.User) error {
	f, err := g.Gather(ctx, u.ID)
	if err != nil {
		return err
	}
	return g.Decide(u, f)
}

// Gather reads the facts about a user id. The user's own eligibility is
// read alongside the memberships; a second read covers role-assignable
// groups, and only when the user is in one.
func (g Guard) Gather(ctx context.Context, userID string) (Facts, error) {
	var f Facts
	var mErr, eErr error
	var wg sync.WaitGroup
	wg.Go(func() { f.Memberships, mErr = g.Dir.Memberships(ctx, userID) })
	wg.Go(func() { f.EligibleRoles, eErr = g.Dir.EligibleRoles(ctx, []string{userID}) })
	wg.Wait()
	if mErr != nil {
		return f, fmt.Errorf("read memberships: %w", mErr)
	}
	if eErr != nil {
		return f, fmt.Errorf("read role eligibility: %w", eErr)
	}
	if groups := f.Memberships.RoleAssignableGroupIDs; len(groups) > 0 {
		more, err := g.Dir.EligibleRoles(ctx, groups)
		if err != nil {
			return f, fmt.Errorf("read role eligibility of groups: %w", err)
		}
		f.EligibleRoles = append(f.EligibleRoles, more...)
	}
	return f, nil
}

// Decide applies the rules to the facts: nil, or a *Refusal.
func (g Guard) Decide(u directory.User, f Facts) error {
	m := f.Memberships
	switch {
	case u.UserType != "" && !strings.EqualFold(u.UserType, "Member"):
		return &Refusal{Reason: fmt.Sprintf("account is a %s, not a member of this organisation", u.UserType)}
	case g.ScopeGroupID != "" && !m.InGroup(g.ScopeGroupID):
		return &Refusal{Reason: "account is outside the scope group of this service"}
	case g.ProtectedGroupID != "" && m.InGroup(g.ProtectedGroupID):
		return &Refusal{Reason: "account is in the protected group"}
	case len(m.ActiveRoles) > 0:
		return &Refusal{Reason: "account holds a directory role" + roleNames(m.ActiveRoles)}
	case len(f.EligibleRoles) > 0:
		// Eligibility can sit on the user or on a role-assignable group
		// the user belongs to; Gather asked for both.
		return &Refusal{Reason: "account is eligible for a directory role (Privileged Identity Management)"}
	}
	return nil
}

// roleNames lists the names Graph gave; without RoleManagement.Read.Directory
// it returns roles with their id only, and the refusal still stands.
func roleNames(names []string) string {
	var known []string
	for _, n := range names {
		if n != "" {
			known = append(known, n)
		}
	}
	if len(known) == 0 {
		return ""
	}
	return ": " + strings.Join(known, ", ")
}
