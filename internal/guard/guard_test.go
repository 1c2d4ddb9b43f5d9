package guard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/guard"
)

const (
	ivy   = "10000000-0000-4000-8000-0000000000c1" // PIM-eligible for membership of Helpdesk Admins
	eli   = "10000000-0000-4000-8000-0000000000c2" // member of a role-assignable group eligible for a role
	tier1 = "20000000-0000-4000-8000-0000000000c1"
)

func check(t *testing.T, rig *graphtest.Rig, id string) error {
	t.Helper()
	g := guard.Guard{Dir: rig.Client, ProtectedGroupID: graphtest.ProtectedGroup}
	u, err := rig.Client.User(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g.Check(context.Background(), u)
}

// Against the Graph double, which refuses every query Graph's
// documentation does not allow: each kind of protected account is refused
// and an ordinary user passes.
func TestCheckAgainstTheDirectory(t *testing.T) {
	rig := graphtest.New(t, graphdouble.Options{})
	cases := []struct {
		name, id, reason string
	}{
		{"ordinary user", graphtest.Nora, ""},
		{"user with six methods", graphtest.Sam, ""},
		{"global administrator", graphtest.Gina, "holds a directory role"},
		{"eligible through PIM", graphtest.Pia, "eligible for a directory role"},
		{"role through a role-assignable group", graphtest.Hank, "holds a directory role"},
		{"eligible through a role-assignable group", eli, "eligible for a directory role"},
		{"PIM for Groups: eligible for membership", ivy, "eligible for membership of a group that holds a directory role"},
		{"break-glass, nested in the protected group", graphtest.Bree, "protected group"},
		{"guest", graphtest.Greta, "Guest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := check(t, rig, c.id)
			var refusal *guard.Refusal
			switch {
			case c.reason == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.reason != "" && (!errors.As(err, &refusal) || !strings.Contains(refusal.Reason, c.reason)):
				t.Errorf("got %v, want a refusal containing %q", err, c.reason)
			}
		})
	}
}

// The check fails closed: a lookup Graph refuses is an error, never
// "allowed".
func TestCheckFailsClosed(t *testing.T) {
	for _, path := range []string{
		"/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
		"/v1.0/roleManagement/directory/roleAssignments",
		"/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances",
		"/v1.0/users/*/transitiveMemberOf",
	} {
		rig := graphtest.New(t, graphdouble.Options{})
		rig.Double.AddFault(graphdouble.Fault{Method: http.MethodGet, Path: path, Status: http.StatusForbidden,
			Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."})
		err := check(t, rig, graphtest.Nora)
		var refusal *guard.Refusal
		if err == nil || errors.As(err, &refusal) {
			t.Errorf("%s denied: got %v, want an error", path, err)
		}
	}
}

// A PIM for Groups eligibility for the protected group is refused even
// though the group holds no role.
func TestEligibleForTheProtectedGroup(t *testing.T) {
	rig := graphtest.New(t, graphdouble.Options{})
	rig.Double.Update(func(tn *graphdouble.Tenant) {
		tn.GroupEligibilities = append(tn.GroupEligibilities, &graphdouble.GroupEligibility{
			ID: "ge-nora", PrincipalID: graphtest.Nora, GroupID: graphtest.ProtectedGroup, AccessID: "owner",
		})
	})
	err := check(t, rig, graphtest.Nora)
	var refusal *guard.Refusal
	if !errors.As(err, &refusal) || !strings.Contains(refusal.Reason, "eligible for the protected group") {
		t.Errorf("got %v", err)
	}
}

func TestDecide(t *testing.T) {
	const user, group, other = "u", "g", "o"
	g := guard.Guard{ProtectedGroupID: "p"}
	member := directory.User{ID: user, UserType: "Member"}
	grant := func(p string) []directory.RoleGrant {
		return []directory.RoleGrant{{PrincipalID: p, RoleDefinitionID: "r"}}
	}
	inGroup := directory.Memberships{GroupIDs: []string{group}, RoleAssignableGroupIDs: []string{group}}
	eligibleFor := func(access string) []directory.GroupEligibility {
		return []directory.GroupEligibility{{GroupID: other, AccessID: access}}
	}
	cases := []struct {
		name   string
		facts  guard.Facts
		reason string
	}{
		{"nothing", guard.Facts{}, ""},
		{"assigned to the user", guard.Facts{Assigned: grant(user)}, "holds a directory role"},
		{"assigned to a group the user is in", guard.Facts{Memberships: inGroup, Assigned: grant(group)}, "holds a directory role"},
		{"eligible through a group", guard.Facts{Memberships: inGroup, Eligible: grant(group)}, "eligible for a directory role"},
		{"a group the user is not in holds a role", guard.Facts{Assigned: grant(other)}, ""},
		{"PIM member of a group with a role", guard.Facts{GroupEligibilities: eligibleFor("member"), Assigned: grant(other)},
			"eligible for membership of a group"},
		{"PIM owner of a group eligible for a role", guard.Facts{GroupEligibilities: eligibleFor("owner"), Eligible: grant(other)},
			"eligible for ownership of a group"},
		{"PIM member of a group without roles", guard.Facts{GroupEligibilities: eligibleFor("member")}, ""},
		{"PIM member of the protected group", guard.Facts{GroupEligibilities: []directory.GroupEligibility{{GroupID: "p", AccessID: "member"}}},
			"eligible for the protected group"},
		{"active role by name", guard.Facts{Memberships: directory.Memberships{ActiveRoles: []string{"Global Administrator"}}},
			"holds a directory role: Global Administrator"},
	}
	for _, c := range cases {
		c.facts.UserID = user
		err := g.Decide(member, c.facts)
		var refusal *guard.Refusal
		switch {
		case c.reason == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.reason != "" && (!errors.As(err, &refusal) || !strings.Contains(refusal.Reason, c.reason)):
			t.Errorf("%s: got %v, want %q", c.name, err, c.reason)
		}
	}
}

// withGroups is the sandbox tenant plus a user in n groups, one of them
// role-assignable (without roles), so the user is allowed and the check
// has to look at that group.
func withGroups(t testing.TB, n int) (*graphtest.Rig, string) {
	seed, err := graphdouble.LoadSeed(graphtest.SeedPath())
	if err != nil {
		t.Fatal(err)
	}
	const user = "10000000-0000-4000-8000-0000000000d1"
	seed.Users = append(seed.Users, &graphdouble.User{ID: user, UserPrincipalName: "many.groups@contoso.example", DisplayName: "Many Groups"})
	for i := range n {
		seed.Groups = append(seed.Groups, &graphdouble.Group{
			ID: fmt.Sprintf("60000000-0000-4000-8000-%012d", i), DisplayName: fmt.Sprintf("Team %d", i),
			SecurityEnabled: true, IsAssignableToRole: i == 0, Members: []string{user},
		})
	}
	return graphtest.NewWith(t, graphtest.Config{Tenant: seed}), user
}

func TestCostDoesNotGrowWithGroups(t *testing.T) {
	calls := map[int]int{}
	for _, n := range []int{3, 300} {
		rig, user := withGroups(t, n)
		if err := check(t, rig, user); err != nil {
			t.Fatalf("%d groups: %v", n, err)
		}
		calls[n] = len(rig.Double.Requests()) - 1 // less the user lookup in check()
	}
	// Memberships, assignments, eligibility, PIM for Groups; then the one
	// role-assignable group's assignments and eligibility.
	if calls[3] != 6 || calls[300] != 6 {
		t.Errorf("calls: %d for 3 groups, %d for 300; want 6 each", calls[3], calls[300])
	}
}

// BenchmarkProtectionCheck is the guard for a user in 3 and in 300 groups
// (one role-assignable) while every Graph call takes 50 ms: Graph calls
// and sequential round trips per check.
func BenchmarkProtectionCheck(b *testing.B) {
	for _, n := range []int{3, 300} {
		b.Run(fmt.Sprintf("groups=%d", n), func(b *testing.B) {
			rig, user := withGroups(b, n)
			rig.Double.SetLatency(50 * time.Millisecond)
			g := guard.Guard{Dir: rig.Client, ProtectedGroupID: graphtest.ProtectedGroup}
			var calls, rounds int
			for b.Loop() {
				rig.Double.ResetRequests()
				if _, err := g.Gather(context.Background(), user); err != nil {
					b.Fatal(err)
				}
				reqs := rig.Double.Requests()
				calls, rounds = len(reqs), graphdouble.RoundTrips(reqs)
			}
			b.ReportMetric(float64(calls), "graph-calls")
			b.ReportMetric(float64(rounds), "graph-round-trips")
		})
	}
}
