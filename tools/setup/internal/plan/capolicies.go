package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// wantedPolicy is a policy setup manages, with its reason.
type wantedPolicy struct {
	policy directory.CAPolicy
	notes  []string
}

// wantedPolicies are (a) security-info registration for everyone but
// guests: the strength or a compliant device, a fresh sign-in within an
// hour; (b) with CA_GROUP_ID, the same user action on iOS and Android for
// the temporary group, the strength only. Break-glass accounts are
// excluded from both.
func wantedPolicies(in Inputs) []wantedPolicy {
	base := directory.CAPolicy{
		ExcludeUsers: sortedCopy(in.BreakGlassUsers), ExcludeGroups: sortedCopy(in.BreakGlassGroups),
		IncludeUserActions: []string{registerSecurityInf}, ClientAppTypes: []string{"all"},
		Operator: "OR", SignInFrequencyHours: 1,
	}
	reg := base
	reg.DisplayName = RegistrationPolicy
	reg.IncludeUsers, reg.ExcludeGuests = []string{"All"}, true
	reg.BuiltInControls = []string{"compliantDevice"}
	out := []wantedPolicy{{policy: reg, notes: []string{
		"all users but guests and the break-glass accounts; user action: register security information",
		"grant: the strength OR a compliant device; sign-in frequency 1 hour",
	}}}
	if group := in.Settings.Reset.CAGroupID; group != "" {
		mobile := base
		mobile.DisplayName = MobilePolicy
		mobile.IncludeGroups = []string{group}
		mobile.IncludePlatforms = []string{"android", "iOS"}
		mobile.BuiltInControls = []string{}
		out = append(out, wantedPolicy{policy: mobile, notes: []string{
			"members of CA_GROUP_ID " + group + " on iOS and Android; user action: register security information",
			"grant: the strength only; sign-in frequency 1 hour",
			"if a device-compliance policy of yours blocks this, exclude the group from it for this user action only, never from the base policy",
		}})
	}
	return out
}

func planPolicies(ctx context.Context, t directory.Tenant, in Inputs, st *state) (Section, error) {
	sec := Section{Short: "conditional access", Title: "Conditional Access (one request per second)"}
	existing, err := t.CAPolicies(ctx)
	if err != nil {
		return sec, err
	}
	for _, w := range wantedPolicies(in) {
		var same []directory.CAPolicy
		for _, p := range existing {
			if p.DisplayName == w.policy.DisplayName {
				same = append(same, p)
			}
		}
		if len(same) > 1 {
			return sec, fmt.Errorf("%d Conditional Access policies are named %q: delete or rename all but one", len(same), w.policy.DisplayName)
		}
		if len(same) == 0 {
			sec.Steps = append(sec.Steps, createPolicyStep(w, in.Enforce))
			continue
		}
		sec.Steps = append(sec.Steps, updatePolicyStep(w, same[0], in.Enforce, st.strengthID))
	}
	return sec, nil
}

func createPolicyStep(w wantedPolicy, enforce bool) Step {
	p := w.policy
	p.State = directory.CAReportOnly
	if enforce {
		p.State = directory.CAEnabled
	}
	return Step{Mark: Create, Subject: fmt.Sprintf("%q (%s)", p.DisplayName, p.State), Notes: w.notes,
		apply: func(ctx context.Context, t directory.Tenant, st *state) error {
			p.StrengthID = st.strengthID
			_, err := t.CreateCAPolicy(ctx, p)
			return err
		}}
}

// updatePolicyStep compares the managed parts. Without --enforce the
// state is not managed: an enforced policy is never quietly weakened, a
// disabled one never quietly turned on.
func updatePolicyStep(w wantedPolicy, have directory.CAPolicy, enforce bool, strengthID string) Step {
	want := w.policy
	want.StrengthID, want.State = strengthID, have.State
	if enforce {
		want.State = directory.CAEnabled
	}
	diff := policyDiff(have, want)
	subject := fmt.Sprintf("%q (%s, %s)", have.DisplayName, have.ID, have.State)
	if len(diff) == 0 {
		return Step{Mark: Same, Subject: subject}
	}
	id := have.ID
	return Step{Mark: Update, Subject: subject, Notes: append([]string{"differs: " + strings.Join(diff, ", ")}, w.notes...),
		apply: func(ctx context.Context, t directory.Tenant, st *state) error {
			p := want
			p.StrengthID = st.strengthID
			return t.UpdateCAPolicy(ctx, id, p)
		}}
}

// policyDiff names the managed properties that differ.
func policyDiff(have, want directory.CAPolicy) []string {
	var out []string
	check := func(name string, same bool) {
		if !same {
			out = append(out, name)
		}
	}
	check("state", have.State == want.State)
	check("includeUsers", sameSet(have.IncludeUsers, want.IncludeUsers))
	check("excludeUsers", sameSet(have.ExcludeUsers, want.ExcludeUsers))
	check("includeGroups", sameSet(have.IncludeGroups, want.IncludeGroups))
	check("excludeGroups", sameSet(have.ExcludeGroups, want.ExcludeGroups))
	check("excludeGuestsOrExternalUsers", have.ExcludeGuests == want.ExcludeGuests)
	check("includeApplications", sameSet(have.IncludeApplications, want.IncludeApplications))
	check("includeUserActions", sameSet(have.IncludeUserActions, want.IncludeUserActions))
	check("platforms", sameSet(have.IncludePlatforms, want.IncludePlatforms))
	check("clientAppTypes", sameSet(have.ClientAppTypes, want.ClientAppTypes))
	check("grant operator", have.Operator == want.Operator)
	check("builtInControls", sameSet(have.BuiltInControls, want.BuiltInControls))
	check("authenticationStrength", want.StrengthID != "" && have.StrengthID == want.StrengthID)
	check("signInFrequency", have.SignInFrequencyHours == want.SignInFrequencyHours)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
