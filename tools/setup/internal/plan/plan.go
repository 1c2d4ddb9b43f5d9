package plan

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Inputs are what setup is told: the handler's settings and the choices
// that are not settings.
type Inputs struct {
	Settings config.Settings
	// Identity is the Function's managed identity: its client (app) id or
	// its service principal's object id. Default: AZURE_CLIENT_ID.
	Identity string
	// BreakGlassUsers and BreakGlassGroups are excluded from every
	// Conditional Access policy setup makes; at least one is required.
	BreakGlassUsers, BreakGlassGroups []string
	// Enforce turns the policies on; without it new policies are created
	// report-only and an existing policy's state is left as it is.
	Enforce bool

	// Catalog is the MFA reset access package's catalog: setup creates its
	// custom extension there and, with RESET_RESUME, gives the identity
	// the catalog's Access package assignment manager role. Empty: both
	// are listed as steps for a person.
	Catalog string
	// Policy is the access package's assignment policy, whose
	// RESET_STAGES run the extension. Needs Catalog.
	Policy string
	// Relay is the relay Logic App's ARM resource id
	// (/subscriptions/…/resourceGroups/…/providers/Microsoft.Logic/workflows/…,
	// the infrastructure's relayWorkflowPath output). Needs Catalog.
	Relay string
	// CallbackTimeout is how long a request waits for the resume
	// (launch and wait, RESET_RESUME): 5 minutes to 14 days.
	CallbackTimeout time.Duration
}

// Check refuses inputs that would make an unsafe plan.
func (in Inputs) Check() error {
	if in.identity() == "" {
		return fmt.Errorf("the Function's managed identity is needed: --identity, or AZURE_CLIENT_ID in the settings")
	}
	if !directory.IsObjectID(in.identity()) {
		return fmt.Errorf("identity %q is not a GUID", in.identity())
	}
	if len(in.BreakGlassUsers)+len(in.BreakGlassGroups) == 0 {
		return fmt.Errorf("break-glass accounts are needed (--break-glass-users and/or --break-glass-groups): " +
			"every Conditional Access policy setup makes excludes them, so an error in a policy cannot lock everyone out")
	}
	for _, id := range append(append([]string{}, in.BreakGlassUsers...), in.BreakGlassGroups...) {
		if !directory.IsObjectID(id) {
			return fmt.Errorf("break-glass %q is not an object id", id)
		}
	}
	return in.checkAccessPackage()
}

// checkAccessPackage refuses catalog and policy inputs that could only
// fail later, half applied.
func (in Inputs) checkAccessPackage() error {
	switch {
	case in.Catalog == "" && (in.Policy != "" || in.Relay != ""):
		return fmt.Errorf("--policy and --relay need --catalog: the custom extension lives in the access package's catalog")
	case in.Catalog == "":
		return nil
	case !directory.IsObjectID(in.Catalog):
		return fmt.Errorf("catalog %q is not an object id", in.Catalog)
	case in.Policy != "" && !directory.IsObjectID(in.Policy):
		return fmt.Errorf("policy %q is not an object id", in.Policy)
	case in.CallbackTimeout < minCallbackTimeout || in.CallbackTimeout > maxCallbackTimeout:
		return fmt.Errorf("callback timeout %s is outside the 5 minutes to 14 days entitlement management allows", in.CallbackTimeout)
	}
	if _, err := ParseLogicApp(in.Relay); err != nil {
		return fmt.Errorf("--relay: %w", err)
	}
	return nil
}

func (in Inputs) identity() string {
	if in.Identity != "" {
		return in.Identity
	}
	return in.Settings.Graph.ManagedIdentityClientID
}

// Mark says what a plan line is.
type Mark string

// Marks, as printed.
const (
	Create Mark = "+" // will be created or granted
	Update Mark = "~" // will be changed
	Same   Mark = "=" // already as wanted
	Manual Mark = "!" // needs a person: setup cannot or will not do it
)

// Step is one line of the plan, with how to make it true.
type Step struct {
	Mark    Mark
	Subject string
	// Notes are printed under the line: the reason, what differs, the
	// commands of a manual step.
	Notes []string
	// wrong marks a Manual step setup can see is wrong but leaves to a
	// person (an extra grant, an extension that differs): verify fails it.
	wrong bool
	apply func(ctx context.Context, t directory.Tenant, s *state) error
}

// Section groups steps under a heading.
type Section struct {
	Title string
	Short string // names the section in verify's lines
	Steps []Step
}

// Plan is everything setup would do, in order.
type Plan struct {
	Header   string
	Sections []Section
	st       state // what Build learnt, for Apply
}

// Changes counts the steps apply would make.
func (p Plan) Changes() int {
	n := 0
	for _, sec := range p.Sections {
		for _, st := range sec.Steps {
			if st.apply != nil {
				n++
			}
		}
	}
	return n
}

// state carries what earlier steps learnt to later ones (the strength id
// a new policy references).
type state struct {
	strengthID  string
	extensionID string // the reset's custom extension, once known
}

// Build reads the tenant and plans. It changes nothing.
func Build(ctx context.Context, t directory.Tenant, in Inputs) (Plan, error) {
	if err := in.Check(); err != nil {
		return Plan{}, err
	}
	st := &state{}
	p := Plan{Header: header(in)}
	grants, err := planGrants(ctx, t, in)
	if err != nil {
		return Plan{}, err
	}
	strength, err := planStrength(ctx, t, st)
	if err != nil {
		return Plan{}, err
	}
	policies, err := planPolicies(ctx, t, in, st)
	if err != nil {
		return Plan{}, err
	}
	pkg, err := planAccessPackage(ctx, t, in, st)
	if err != nil {
		return Plan{}, err
	}
	p.Sections = append(p.Sections, grants, strength, policies, pkg)
	p.st = *st
	return p, nil
}

func header(in Inputs) string {
	mode := "new policies report-only (enabledForReportingButNotEnforced); existing policies keep their state"
	if in.Enforce {
		mode = "policies enforced (--enforce)"
	}
	return "Tenant setup for entra-mfa-recovery: " + mode
}

// Apply makes the plan's changes in order, writing one line per change,
// and stops at the first failure (a new plan shows what is left).
func Apply(ctx context.Context, t directory.Tenant, p Plan, w io.Writer) (int, error) {
	st := p.st
	done := 0
	for _, sec := range p.Sections {
		for _, step := range sec.Steps {
			if step.apply == nil {
				continue
			}
			if err := step.apply(ctx, t, &st); err != nil {
				return done, fmt.Errorf("%s %s: %w", step.Mark, step.Subject, err)
			}
			done++
			fmt.Fprintf(w, "done: %s %s\n", step.Mark, step.Subject)
		}
	}
	return done, nil
}
