// Package guard refuses accounts that must never be reset or given a pass
// by an automated flow: directory-role holders (active or eligible through
// PIM, directly or through a role-assignable group), administrators in
// waiting (eligible through PIM for Groups for a group that holds or may
// activate a role) and members of the configured protected group
// (break-glass, admins). A TAP for such an account is a takeover path, so
// the guard fails closed: if it cannot find out, the answer is an error,
// never "allowed".
package guard

import (
	"context"
	"fmt"
	"slices"
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
	UserID      string
	Memberships directory.Memberships
	// GroupEligibilities are the user's PIM for Groups eligibilities.
	GroupEligibilities []directory.GroupEligibility
	// Assigned and Eligible are the role grants of the user, of the
	// role-assignable groups they are in, and of the groups they may
	// join or own through PIM for Groups.
	Assigned []directory.RoleGrant
	Eligible []directory.RoleGrant
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

// Gather reads the facts about a user id in at most two rounds of
// parallel requests. Round one asks about the user: memberships, role
// assignments, role eligibility and PIM for Groups eligibility. Round two,
// only when round one found role-assignable groups (as a member, or
// eligible for one), asks about those groups. Ordinary groups are never
// asked about: only role-assignable groups can hold roles, so a user in
// 300 groups costs what a user in 3 does.
func (g Guard) Gather(ctx context.Context, userID string) (Facts, error) {
	f := Facts{UserID: userID}
	err := parallel(
		func() (err error) {
			f.Memberships, err = g.Dir.Memberships(ctx, userID)
			return wrap("read memberships", err)
		},
		func() (err error) {
			f.Assigned, err = g.Dir.AssignedRoles(ctx, []string{userID})
			return wrap("read role assignments", err)
		},
		func() (err error) {
			f.Eligible, err = g.Dir.EligibleRoles(ctx, []string{userID})
			return wrap("read role eligibility", err)
		},
		func() (err error) {
			f.GroupEligibilities, err = g.Dir.GroupEligibilities(ctx, userID)
			return wrap("read group eligibility (PIM for Groups)", err)
		},
	)
	if err != nil {
		return f, err
	}
	groups := f.groupsToAsk()
	if len(groups) == 0 {
		return f, nil
	}
	var assigned, eligible []directory.RoleGrant
	err = parallel(
		func() (err error) {
			assigned, err = g.Dir.AssignedRoles(ctx, groups)
			return wrap("read role assignments of groups", err)
		},
		func() (err error) {
			eligible, err = g.Dir.EligibleRoles(ctx, groups)
			return wrap("read role eligibility of groups", err)
		},
	)
	f.Assigned = append(f.Assigned, assigned...)
	f.Eligible = append(f.Eligible, eligible...)
	return f, err
}

// groupsToAsk are the role-assignable groups the user is in and the
// groups the user may join or own through PIM for Groups, once each.
func (f Facts) groupsToAsk() []string {
	ids := slices.Clone(f.Memberships.RoleAssignableGroupIDs)
	for _, e := range f.GroupEligibilities {
		if !slices.Contains(ids, e.GroupID) {
			ids = append(ids, e.GroupID)
		}
	}
	return ids
}

// Decide applies the rules to the facts: nil, or a *Refusal.
func (g Guard) Decide(u directory.User, f Facts) error {
	m := f.Memberships
	memberOf := func(p string) bool { return p == f.UserID || slices.Contains(m.RoleAssignableGroupIDs, p) }
	switch {
	case u.UserType != "" && !strings.EqualFold(u.UserType, "Member"):
		return &Refusal{Reason: fmt.Sprintf("account is a %s, not a member of this organisation", u.UserType)}
	case g.ScopeGroupID != "" && !m.InGroup(g.ScopeGroupID):
		return &Refusal{Reason: "account is outside the scope group of this service"}
	case g.ProtectedGroupID != "" && m.InGroup(g.ProtectedGroupID):
		return &Refusal{Reason: "account is in the protected group"}
	case len(m.ActiveRoles) > 0:
		return &Refusal{Reason: "account holds a directory role" + roleNames(m.ActiveRoles)}
	case anyGrant(f.Assigned, memberOf):
		return &Refusal{Reason: "account holds a directory role (directly or through a role-assignable group)"}
	case anyGrant(f.Eligible, memberOf):
		return &Refusal{Reason: "account is eligible for a directory role (Privileged Identity Management)"}
	}
	return g.decidePIMGroups(f)
}

// decidePIMGroups refuses administrators in waiting: a user who may
// activate membership or ownership of a group that holds, or may
// activate, a directory role, or of the protected group.
func (g Guard) decidePIMGroups(f Facts) error {
	for _, e := range f.GroupEligibilities {
		if g.ProtectedGroupID != "" && e.GroupID == g.ProtectedGroupID {
			return &Refusal{Reason: "account is eligible for the protected group (PIM for Groups)"}
		}
		inGroup := func(p string) bool { return p == e.GroupID }
		if anyGrant(f.Assigned, inGroup) || anyGrant(f.Eligible, inGroup) {
			return &Refusal{Reason: fmt.Sprintf("account is eligible for %s of a group that holds a directory role (PIM for Groups)", accessName(e.AccessID))}
		}
	}
	return nil
}

func accessName(access string) string {
	if strings.EqualFold(access, "owner") {
		return "ownership"
	}
	return "membership"
}

func anyGrant(grants []directory.RoleGrant, principal func(string) bool) bool {
	return slices.ContainsFunc(grants, func(r directory.RoleGrant) bool { return principal(r.PrincipalID) })
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

// parallel runs fns at once and returns the first error in argument
// order, so the reported cause does not depend on timing.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
