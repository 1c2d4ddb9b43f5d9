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

// Check returns nil when u may be acted on, a *Refusal when it must not,
// or another error when the directory could not be read.
func (g Guard) Check(ctx context.Context, u directory.User) error {
	m, err := g.Dir.Memberships(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("read memberships: %w", err)
	}
	return g.Decide(ctx, u, m)
}

// Decide is Check with the memberships already read (callers that fetch
// them in parallel with other reads).
func (g Guard) Decide(ctx context.Context, u directory.User, m directory.Memberships) error {
	if u.UserType != "" && !strings.EqualFold(u.UserType, "Member") {
		return &Refusal{Reason: fmt.Sprintf("account is a %s, not a member of this organisation", u.UserType)}
	}
	if g.ScopeGroupID != "" && !m.InGroup(g.ScopeGroupID) {
		return &Refusal{Reason: "account is outside the scope group of this service"}
	}
	if g.ProtectedGroupID != "" && m.InGroup(g.ProtectedGroupID) {
		return &Refusal{Reason: "account is in the protected group"}
	}
	if len(m.ActiveRoles) > 0 {
		return &Refusal{Reason: "account holds a directory role" + roleNames(m.ActiveRoles)}
	}
	// Eligibility can sit on the user or on a role-assignable group the
	// user belongs to; asking for all principals covers both.
	principals := append([]string{u.ID}, m.RoleAssignableGroupIDs...)
	eligible, err := g.Dir.EligibleRoles(ctx, principals)
	if err != nil {
		return fmt.Errorf("read role eligibility: %w", err)
	}
	if len(eligible) > 0 {
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
