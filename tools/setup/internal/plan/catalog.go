package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// The MFA reset access package: the custom extension in its catalog that
// calls the relay Logic App, and the stages of its assignment policy that
// run it. The catalog and the policy are chosen by a person in Identity
// Governance and given to setup (--catalog, --policy); setup never picks
// or creates them.

const (
	// ExtensionName is how setup finds the extension again, run after run.
	ExtensionName        = "mfa-reset"
	extensionDescription = "Approved MFA reset (entra-mfa-recovery): calls the relay Logic App. Managed by tools/setup."
	popAuthentication    = "azureAdPopTokenAuthentication"
	// DefaultCallbackTimeout is how long a request waits for the outcome.
	DefaultCallbackTimeout = time.Hour
	// Entitlement management's bounds for timeoutDuration
	// (resources/customextensioncallbackconfiguration).
	minCallbackTimeout = 5 * time.Minute
	maxCallbackTimeout = 14 * 24 * time.Hour
)

// ParseLogicApp reads a Logic App workflow's ARM resource id, as the
// infrastructure's relayWorkflowPath output gives it. The resource group
// keeps its spelling: the relay's AADPOP policy compares the path.
func ParseLogicApp(path string) (directory.LogicApp, error) {
	const want = "want /subscriptions/{id}/resourceGroups/{name}/providers/Microsoft.Logic/workflows/{name} (tools/infra's relayWorkflowPath output)"
	p := strings.Split(strings.Trim(path, "/"), "/")
	if len(p) != 8 || !strings.EqualFold(p[0], "subscriptions") || !strings.EqualFold(p[2], "resourceGroups") ||
		!strings.EqualFold(p[4], "providers") || !strings.EqualFold(p[5], "Microsoft.Logic") || !strings.EqualFold(p[6], "workflows") {
		return directory.LogicApp{}, fmt.Errorf("%q: %s", path, want)
	}
	if !directory.IsObjectID(p[1]) || p[3] == "" || p[7] == "" {
		return directory.LogicApp{}, fmt.Errorf("%q: %s", path, want)
	}
	return directory.LogicApp{SubscriptionID: strings.ToLower(p[1]), ResourceGroup: p[3], Workflow: p[7]}, nil
}

// wantedExtension is the extension setup manages: a request workflow
// extension calling the relay with proof-of-possession tokens, launch and
// wait when the handler resumes requests (RESET_RESUME).
func (in Inputs) wantedExtension() directory.CustomExtension {
	relay, _ := ParseLogicApp(in.Relay) // checked by Inputs.Check
	x := directory.CustomExtension{DisplayName: ExtensionName, Description: extensionDescription,
		Kind: directory.RequestWorkflowExtension, LogicApp: relay, Authentication: popAuthentication}
	if in.Settings.Reset.Resume {
		x.CallbackTimeout = in.CallbackTimeout
	}
	return x
}

func planAccessPackage(ctx context.Context, t directory.Tenant, in Inputs, st *state) (Section, error) {
	if in.Catalog == "" {
		return Section{Short: "access package", Title: "Access package (setup apply --catalog <id> --relay <path> --policy <id> sets it up)",
			Steps: manualAccessPackage(in)}, nil
	}
	sec := Section{Short: "access package", Title: "Access package catalog " + in.Catalog}
	all, err := t.CustomExtensions(ctx, in.Catalog)
	if errors.Is(err, directory.ErrNotFound) {
		return sec, fmt.Errorf("no catalog %s: --catalog is the object id of the MFA reset access package's catalog "+
			"(Identity Governance > Catalogs > the catalog > Overview): %w", in.Catalog, err)
	}
	if err != nil {
		return sec, fmt.Errorf("custom extensions of catalog %s: %w", in.Catalog, err)
	}
	want := in.wantedExtension()
	var ours []directory.CustomExtension
	for _, x := range all {
		if x.DisplayName == ExtensionName {
			ours = append(ours, x)
		}
	}
	if len(ours) > 1 {
		return sec, fmt.Errorf("%d custom extensions of catalog %s are named %q: delete or rename all but one", len(ours), in.Catalog, ExtensionName)
	}
	var have *directory.CustomExtension
	if len(ours) == 1 {
		have = &ours[0]
	}
	step, usable := extensionStep(in, want, have)
	sec.Steps = append(sec.Steps, step)
	sec.Steps = append(sec.Steps, otherRelayCallers(all, want)...)
	if have != nil && usable {
		st.extensionID = have.ID
	}
	stages, err := planStages(ctx, t, in, have, usable)
	if err != nil {
		return sec, err
	}
	sec.Steps = append(sec.Steps, stages...)
	return sec, nil
}

// manualAccessPackage names what setup would do with a catalog and policy.
func manualAccessPackage(in Inputs) []Step {
	return []Step{
		{Mark: Manual, Subject: fmt.Sprintf("custom extension %q calling the relay Logic App", ExtensionName), Notes: []string{
			"Entitlement Management calls only Logic Apps: the relay accepts its proof-of-possession token and forwards the request to AccessPackageCallout",
			"setup apply --catalog <catalog of the MFA reset access package> --relay <relayWorkflowPath output of tools/infra> creates it",
		}},
		{Mark: Manual, Subject: "stages " + strings.Join(in.Settings.Reset.Stages, ", ") + " of the access package's assignment policy", Notes: []string{
			"the policy runs the extension when a request reaches RESET_STAGES",
			"setup apply --policy <assignment policy id> (with --catalog and --relay) attaches it",
		}},
	}
}

// extensionStep compares the extension with the one wanted. usable says
// whether the stages may run it (as it is, or once created).
func extensionStep(in Inputs, want directory.CustomExtension, have *directory.CustomExtension) (Step, bool) {
	if have == nil {
		return Step{Mark: Create, Subject: fmt.Sprintf("custom extension %q: %s", ExtensionName, describeExtension(want)),
			Notes: []string{
				"Entitlement Management calls only Logic Apps: the relay " + want.LogicApp.Path() +
					" accepts its proof-of-possession token and forwards the request to AccessPackageCallout",
				"Entitlement Management calls the relay once to test it; AccessPackageCallout answers the test and does nothing",
				"your sign-in needs Logic App Contributor on the relay, and Catalog owner of the catalog or Identity Governance Administrator",
			},
			apply: func(ctx context.Context, t directory.Tenant, st *state) error {
				x, err := t.CreateCustomExtension(ctx, in.Catalog, want)
				if err != nil {
					return extensionCreateError(err, in)
				}
				st.extensionID = x.ID
				return nil
			}}, true
	}
	diff := extensionDiff(*have, want)
	subject := fmt.Sprintf("custom extension %q (%s)", ExtensionName, have.ID)
	if len(diff) == 0 {
		return Step{Mark: Same, Subject: subject}, true
	}
	return Step{Mark: Manual, Subject: subject + " differs: " + strings.Join(diff, ", "), Notes: []string{
		"now " + describeExtension(*have) + "; wanted " + describeExtension(want),
		"setup does not rewrite an existing extension: in the Entra admin center, Identity Governance > Catalogs > " + in.Catalog +
			" > Custom extensions, change it to the wanted settings, or delete it and run setup apply again",
	}, wrong: true}, false
}

func extensionDiff(have, want directory.CustomExtension) []string {
	var out []string
	if have.Kind != want.Kind {
		out = append(out, "kind")
	}
	if !strings.EqualFold(have.LogicApp.SubscriptionID, want.LogicApp.SubscriptionID) ||
		have.LogicApp.ResourceGroup != want.LogicApp.ResourceGroup || have.LogicApp.Workflow != want.LogicApp.Workflow {
		out = append(out, "Logic App")
	}
	if have.Authentication != want.Authentication {
		out = append(out, "authentication")
	}
	if have.CallbackTimeout != want.CallbackTimeout {
		out = append(out, "callback")
	}
	return out
}

func describeExtension(x directory.CustomExtension) string {
	target := "no Logic App"
	if x.LogicApp.Workflow != "" {
		target = "Logic App " + x.LogicApp.Workflow + " in " + x.LogicApp.ResourceGroup
	}
	mode := "launch and continue"
	if x.CallbackTimeout > 0 {
		mode = "launch and wait up to " + humanDuration(x.CallbackTimeout)
	}
	auth := x.Authentication
	if auth == popAuthentication {
		auth = "proof-of-possession tokens"
	}
	return target + ", " + auth + ", " + mode
}

// humanDuration writes whole days, hours and minutes ("1d2h", "90m" as "1h30m").
func humanDuration(d time.Duration) string {
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	if b.Len() == 0 {
		return d.String()
	}
	return b.String()
}

// extensionCreateError keeps Graph's answer and says what to check. A
// Logic App Entitlement Management has never been shown in the portal
// has been refused through Graph (microsoft-graph-docs-contrib#1231); the
// wording of that refusal is not documented, so setup does not guess
// which case it is.
func extensionCreateError(err error, in Inputs) error {
	if errors.Is(err, directory.ErrOutcomeUnknown) {
		return fmt.Errorf("%w\nGraph may have created it: run setup plan, which finds it by name", err)
	}
	return fmt.Errorf("%w\nGraph refused the custom extension. Check, in order:\n"+
		"  1. your sign-in has Logic App Contributor (or Contributor, Owner) on %s, and Catalog owner of catalog %s or "+
		"Identity Governance Administrator (accesspackagecatalog-post-accesspackagecustomworkflowextensions);\n"+
		"  2. Graph has refused Logic Apps the Entitlement Management portal never offered (microsoft-graph-docs-contrib#1231): "+
		"in the Entra admin center, Identity Governance > Catalogs > %s > Custom extensions > Add, pick the relay's "+
		"subscription, resource group and Logic App, cancel without saving, then run setup apply again;\n"+
		"  3. or create it there yourself, named %q, launch and wait, calling the relay: setup finds it by name and wires the stages",
		err, in.Relay, in.Catalog, in.Catalog, ExtensionName)
}

// otherRelayCallers reports other extensions of the catalog that call the
// relay too: a stage that runs two of them starts two resets for one
// request (each call has its own stage instance id).
func otherRelayCallers(all []directory.CustomExtension, want directory.CustomExtension) []Step {
	var out []Step
	for _, x := range all {
		if x.DisplayName == ExtensionName || !sameLogicApp(x.LogicApp, want.LogicApp) {
			continue
		}
		out = append(out, Step{Mark: Manual, Subject: fmt.Sprintf("custom extension %q (%s) also calls the relay", x.DisplayName, x.ID),
			Notes: []string{fmt.Sprintf("a stage that runs it beside %q starts a second reset for the same request: take it off the "+
				"policy's stages and delete it, unless another access package needs it", ExtensionName)}, wrong: true})
	}
	return out
}

func sameLogicApp(a, b directory.LogicApp) bool {
	return strings.EqualFold(a.SubscriptionID, b.SubscriptionID) && strings.EqualFold(a.ResourceGroup, b.ResourceGroup) &&
		strings.EqualFold(a.Workflow, b.Workflow)
}

// planStages makes the policy run the extension at RESET_STAGES and at no
// other stage: the callout refuses other stages, so a request sent there
// would wait for a resume that never comes.
func planStages(ctx context.Context, t directory.Tenant, in Inputs, ext *directory.CustomExtension, usable bool) ([]Step, error) {
	if in.Policy == "" {
		return []Step{{Mark: Manual, Subject: "stages " + strings.Join(in.Settings.Reset.Stages, ", ") + " of the access package's assignment policy",
			Notes: []string{"the policy runs the extension when a request reaches RESET_STAGES",
				"setup apply --policy <assignment policy id> attaches it"}}}, nil
	}
	p, err := t.AssignmentPolicy(ctx, in.Policy)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, fmt.Errorf("no assignment policy %s: --policy is the object id of the MFA reset access package's policy "+
			"(Identity Governance > Access packages > the package > Policies): %w", in.Policy, err)
	}
	if err != nil {
		return nil, fmt.Errorf("assignment policy %s: %w", in.Policy, err)
	}
	if p.CatalogID != "" && !strings.EqualFold(p.CatalogID, in.Catalog) {
		return nil, fmt.Errorf("assignment policy %s belongs to catalog %s, not --catalog %s: the extension must be in the policy's catalog",
			in.Policy, p.CatalogID, in.Catalog)
	}
	label := fmt.Sprintf("of policy %q (%s)", p.DisplayName, p.ID)
	if !usable {
		return []Step{{Mark: Manual, Subject: "stages " + strings.Join(in.Settings.Reset.Stages, ", ") + " " + label,
			Notes: []string{"fix the custom extension first: setup attaches only an extension with the wanted settings"}}}, nil
	}
	extID := ""
	if ext != nil {
		extID = ext.ID
	}
	var steps []Step
	for _, stage := range in.Settings.Reset.Stages {
		subject := fmt.Sprintf("stage %s %s runs %q", stage, label, ExtensionName)
		if extID != "" && runsAt(p.Stages, stage, extID) {
			steps = append(steps, Step{Mark: Same, Subject: subject})
			continue
		}
		steps = append(steps, Step{Mark: Create, Subject: subject, Notes: stageNotes(in, stage),
			apply: func(ctx context.Context, t directory.Tenant, st *state) error {
				return changeStages(ctx, t, in.Policy, st.extensionID, func(s []directory.StageSetting, id string) []directory.StageSetting {
					if runsAt(s, stage, id) {
						return s
					}
					return append(s, directory.StageSetting{Stage: stage, ExtensionID: id, ExtensionKind: directory.RequestWorkflowExtension})
				})
			}})
	}
	for _, s := range p.Stages {
		if extID == "" || !strings.EqualFold(s.ExtensionID, extID) || slices.Contains(in.Settings.Reset.Stages, s.Stage) {
			continue
		}
		stage := s.Stage
		steps = append(steps, Step{Mark: Update, Subject: fmt.Sprintf("stage %s %s: stop running %q", stage, label, ExtensionName),
			Notes: []string{stage + " is not in RESET_STAGES: AccessPackageCallout refuses it, and the request would wait for a resume until the callback times out"},
			apply: func(ctx context.Context, t directory.Tenant, st *state) error {
				return changeStages(ctx, t, in.Policy, st.extensionID, func(s []directory.StageSetting, id string) []directory.StageSetting {
					return slices.DeleteFunc(s, func(x directory.StageSetting) bool {
						return x.Stage == stage && strings.EqualFold(x.ExtensionID, id)
					})
				})
			}})
	}
	return steps, nil
}

func stageNotes(in Inputs, stage string) []string {
	notes := []string{"Entitlement Management calls the relay when a request reaches " + stage +
		"; AccessPackageCallout accepts RESET_STAGES (" + strings.Join(in.Settings.Reset.Stages, ", ") + ")"}
	if in.Settings.Reset.Resume {
		notes = append(notes, "launch and wait: the request waits up to "+humanDuration(in.CallbackTimeout)+
			" for the outcome, which approvers see (RESET_RESUME)")
	} else {
		notes = append(notes, "launch and continue: the request goes on without waiting (RESET_RESUME false)")
	}
	return append(notes, "the policy is read and written back whole: everything but its custom extension stages stays as it is")
}

func runsAt(stages []directory.StageSetting, stage, extensionID string) bool {
	return slices.ContainsFunc(stages, func(s directory.StageSetting) bool {
		return s.Stage == stage && strings.EqualFold(s.ExtensionID, extensionID)
	})
}

// changeStages reads the policy afresh, so a change made since the plan
// (by a person or an earlier step) is kept, and writes it only if edit
// changes something.
func changeStages(ctx context.Context, t directory.Tenant, policyID, extensionID string,
	edit func([]directory.StageSetting, string) []directory.StageSetting) error {
	if extensionID == "" {
		return errors.New("the custom extension does not exist yet")
	}
	p, err := t.AssignmentPolicy(ctx, policyID)
	if err != nil {
		return err
	}
	next := edit(slices.Clone(p.Stages), extensionID)
	if slices.Equal(next, p.Stages) {
		return nil
	}
	return t.SetPolicyStages(ctx, policyID, next)
}
