package main

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graph/graphtest"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const (
	miAppID    = "70000000-0000-4000-8000-000000000001"
	miObjectID = "70000000-0000-4000-8000-000000000002"
	breakGlass = "20000000-0000-4000-8000-000000000001" // the sandbox's break-glass group
	caGroup    = "20000000-0000-4000-8000-000000000003"
	caPath     = "/v1.0/identity/conditionalAccess/policies/**"
)

// rig is the sandbox tenant with the Function's managed identity, the
// real Graph client, and one fake clock for the double and the pacer.
type rig struct {
	*graphtest.Rig
	clk *clock.Fake
	// settings is the local.settings.json setup reads.
	settings string

	mu     sync.Mutex
	paused []time.Duration // pacing waits
}

func newRig(t *testing.T) *rig {
	t.Helper()
	clk := clock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	r := &rig{Rig: graphtest.NewWith(t, graphtest.Config{Double: graphdouble.Options{Now: clk.Now}}), clk: clk,
		settings: "testdata/settings.json"}
	r.Double.Update(func(tn *graphdouble.Tenant) {
		tn.Setup.ServicePrincipals = append(tn.Setup.ServicePrincipals, &graphdouble.ServicePrincipal{
			ID: miObjectID, AppID: miAppID, DisplayName: "func-mfa-recovery", ServicePrincipalType: "ManagedIdentity"})
	})
	return r
}

// open is the connector: the real TenantAdmin whose Conditional Access
// pacing waits by moving the fake clock.
func (r *rig) open(config.Settings) (directory.Tenant, error) {
	return graph.NewTenantAdmin(r.Client, graph.Pacing{Now: r.clk.Now, Sleep: func(_ context.Context, d time.Duration) error {
		r.mu.Lock()
		r.paused = append(r.paused, d)
		r.mu.Unlock()
		r.clk.Advance(d)
		return nil
	}}), nil
}

func (r *rig) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := r.try(args...)
	if err != nil {
		t.Fatalf("setup %v: %v\n%s", args, err, out)
	}
	return out
}

func (r *rig) try(args ...string) (string, error) {
	var out bytes.Buffer
	args = append(args, "--settings", r.settings, "--break-glass-groups", breakGlass)
	err := run(context.Background(), args, &out, r.open)
	return out.String(), err
}

// writes counts requests that change the tenant.
func (r *rig) writes() int {
	n := 0
	for _, e := range r.Double.Requests() {
		if e.Method != http.MethodGet {
			n++
		}
	}
	return n
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := "testdata/" + name + ".golden"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./tools/setup -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-update rewrites it):\n%s", path, got)
	}
}

func TestPlanOnAFreshTenantChangesNothing(t *testing.T) {
	r := newRig(t)
	out := r.run(t) // plan is the default
	golden(t, "plan", out)
	if n := r.writes(); n != 0 {
		t.Errorf("plan sent %d writes", n)
	}
}

func TestApplyThenApplyAgainChangesNothing(t *testing.T) {
	r := newRig(t)
	out := r.run(t, "apply")
	if !strings.Contains(out, "a new plan finds none") {
		t.Fatalf("apply output:\n%s", out)
	}
	granted := grantedValues(t, r)
	for _, want := range []string{"User.Read.All", "UserAuthMethod-TAP.ReadWrite.All", "UserAuthMethod-Passkey.ReadWrite.All",
		"GroupMember.ReadWrite.All", "AuditLog.Read.All", "User.ReadWrite.All"} {
		if !slices.Contains(granted, want) {
			t.Errorf("%s not granted: %v", want, granted)
		}
	}
	// UserAuthenticationMethod.ReadWrite.All is granted: RESET_METHOD_TYPES
	// names phone, and beta signInPreferences PATCH takes nothing narrower
	// (TestBroadMethodPermissionFollowsPhoneAndFido2 covers the rest).
	if !slices.Contains(granted, "UserAuthenticationMethod.ReadWrite.All") {
		t.Errorf("UserAuthenticationMethod.ReadWrite.All not granted: %v", granted)
	}
	for _, never := range []string{"Mail.Send", "GroupMember.Read.All", "EntitlementManagement.ReadWrite.All"} {
		if slices.Contains(granted, never) {
			t.Errorf("%s granted: %v", never, granted)
		}
	}
	policies := r.Double.Snapshot().Setup.CAPolicies
	if len(policies) != 2 {
		t.Fatalf("%d CA policies", len(policies))
	}
	for _, p := range policies {
		if p["state"] != directory.CAReportOnly {
			t.Errorf("%s created %s, want report-only", p["displayName"], p["state"])
		}
		users := p["conditions"].(map[string]any)["users"].(map[string]any)
		if !slices.Contains(users["excludeGroups"].([]any), any(breakGlass)) {
			t.Errorf("%s does not exclude the break-glass group: %v", p["displayName"], users)
		}
	}

	before := r.writes()
	again := r.run(t, "apply")
	if r.writes() != before {
		t.Errorf("the second apply wrote %d times", r.writes()-before)
	}
	if !strings.Contains(again, "No changes: the tenant matches the plan.") || strings.Contains(again, "\n  + ") {
		t.Errorf("second apply:\n%s", again)
	}
}

func grantedValues(t *testing.T, r *rig) []string {
	t.Helper()
	snap := r.Double.Snapshot()
	byID := map[string]string{}
	for _, v := range graphdouble.GraphPermissions {
		byID[graphdouble.AppRoleID(v)] = v
	}
	byID[graphdouble.AppRoleID("User.RevokeSessions.All")] = "User.RevokeSessions.All"
	var out []string
	for _, a := range snap.Setup.AppRoleAssignments {
		if a.PrincipalID == miObjectID {
			out = append(out, byID[a.AppRoleID])
		}
	}
	return out
}

func TestEnforceTurnsPoliciesOnAndPlainApplyNeverTurnsThemOff(t *testing.T) {
	r := newRig(t)
	r.run(t, "apply")
	out := r.run(t, "apply", "--enforce")
	if !strings.Contains(out, "differs: state") {
		t.Errorf("--enforce output:\n%s", out)
	}
	for _, p := range r.Double.Snapshot().Setup.CAPolicies {
		if p["state"] != directory.CAEnabled {
			t.Errorf("%s is %s after --enforce", p["displayName"], p["state"])
		}
	}
	if out := r.run(t, "apply"); !strings.Contains(out, "No changes") {
		t.Errorf("apply without --enforce would change an enforced tenant:\n%s", out)
	}
}

// The pacer keeps Conditional Access at one request per second, and a 429
// without Retry-After (another app using the tenant's budget) is waited
// out rather than failing the run.
func TestConditionalAccessIsPacedAndThrottlingWaitedOut(t *testing.T) {
	r := newRig(t)
	h := r.Double.AddFault(graphdouble.Throttle("", caPath, 2, ""))
	r.Double.AddFault(graphdouble.Throttle("", "/v1.0/identity/conditionalAccess/policies", 1, ""))
	out := r.run(t, "apply")
	if h.Fired() != 2 || !strings.Contains(out, "a new plan finds none") {
		t.Fatalf("fired %d; output:\n%s", h.Fired(), out)
	}
	var last time.Time
	for _, e := range r.Double.Requests() {
		if !graphdouble.MatchPath("/v1.0/identity/conditionalAccess/**", e.Path) {
			continue
		}
		if !last.IsZero() && e.Time.Sub(last) < time.Second {
			t.Errorf("%s %s %v after the previous CA request", e.Method, e.Path, e.Time.Sub(last))
		}
		if e.Status == http.StatusTooManyRequests && e.Fault == "" {
			t.Errorf("the double's own 1 request/s limit refused %s %s: pacing failed", e.Method, e.Path)
		}
		last = e.Time
	}
	if len(r.paused) == 0 {
		t.Error("no pacing wait recorded")
	}
}

func TestLeastPrivilegedCandidateOfferedIsGranted(t *testing.T) {
	r := newRig(t)
	r.Double.OfferGraphPermission("User.RevokeSessions.All")
	plan := r.run(t)
	if !strings.Contains(plan, "  + User.RevokeSessions.All\n") || strings.Contains(plan, "User.ReadWrite.All is the least") {
		t.Errorf("plan:\n%s", plan)
	}
	r.run(t, "apply")
	if g := grantedValues(t, r); !slices.Contains(g, "User.RevokeSessions.All") || slices.Contains(g, "User.ReadWrite.All") {
		t.Errorf("granted %v", g)
	}
}

func TestExtraGrantsAreReportedNeverRemoved(t *testing.T) {
	r := newRig(t)
	r.run(t, "apply")
	for _, v := range []string{"Mail.Send", "Directory.Read.All"} {
		r.Double.GrantGraphPermission(miObjectID, v)
	}
	out := r.run(t, "apply")
	for _, want := range []string{"! extra grant Mail.Send\n      tenant-wide", "! extra grant Directory.Read.All",
		"appRoleAssignments/granted-Mail.Send", "No changes"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if g := grantedValues(t, r); !slices.Contains(g, "Mail.Send") {
		t.Error("setup removed a grant")
	}
}

func TestDriftIsPutBack(t *testing.T) {
	r := newRig(t)
	r.run(t, "apply")
	r.Double.Update(func(tn *graphdouble.Tenant) {
		p := tn.Setup.CAPolicies[0]
		p["conditions"].(map[string]any)["users"].(map[string]any)["excludeGroups"] = []any{}
	})
	r.clk.Advance(time.Second)
	plan := r.run(t)
	if !strings.Contains(plan, "differs: excludeGroups") || !strings.Contains(plan, "1 change to make") {
		t.Fatalf("plan after drift:\n%s", plan)
	}
	r.run(t, "apply")
	users := r.Double.Snapshot().Setup.CAPolicies[0]["conditions"].(map[string]any)["users"].(map[string]any)
	if !slices.Contains(users["excludeGroups"].([]any), any(breakGlass)) {
		t.Errorf("break-glass exclusion not restored: %v", users)
	}
}

func TestBreakGlassIsRequired(t *testing.T) {
	r := newRig(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"apply", "--settings", "testdata/settings.json"}, &out, r.open)
	if err == nil || !strings.Contains(err.Error(), "break-glass") || r.writes() != 0 {
		t.Errorf("err %v, %d writes", err, r.writes())
	}
}

func TestVerifyNamesEachFailureWithItsFix(t *testing.T) {
	r := newRig(t)
	out, err := r.try("verify")
	if err == nil {
		t.Fatalf("verify passed a fresh tenant:\n%s", out)
	}
	for _, want := range []string{
		"FAIL  Temporary Access Pass one-time (isUsableOnce)\n      fix: Entra admin center > Protection > Authentication methods > Policies > Temporary Access Pass > Configure: One-time use = Yes",
		"FAIL  Passkey (FIDO2) allows self-service setup, which the provisioning API requires",
		"pass  Temporary Access Pass method enabled",
		"FAIL  conditional access \"MFA recovery: register security info",
		"fix: setup apply\n",
		"check permission Mail.Send for mfa-recovery@contoso.example only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if r.writes() != 0 {
		t.Error("verify wrote to the tenant")
	}

	r.run(t, "apply")
	r.Double.Update(func(tn *graphdouble.Tenant) {
		tn.TAPPolicy.IsUsableOnce = true
		tn.Setup.Fido2 = graphdouble.Fido2Policy{Enabled: true, SelfServiceRegistration: true}
	})
	r.clk.Advance(time.Second)
	out = r.run(t, "verify")
	if strings.Contains(out, "FAIL") || !strings.Contains(out, "0 failed") || !strings.Contains(out, "report-only: review its results") {
		t.Errorf("verify after apply:\n%s", out)
	}
}

// A system-assigned identity is known by its object id: setup finds it
// after the client-id look-up finds nothing.
func TestIdentityByObjectID(t *testing.T) {
	r := newRig(t)
	out := r.run(t, "--identity", miObjectID)
	if !strings.Contains(out, "Permissions of func-mfa-recovery (service principal "+miObjectID) {
		t.Errorf("plan:\n%s", out)
	}
	if _, err := r.try("--identity", "70000000-0000-4000-8000-0000000000ff"); err == nil || !strings.Contains(err.Error(), "deploy the infrastructure first") {
		t.Errorf("unknown identity: %v", err)
	}
}
