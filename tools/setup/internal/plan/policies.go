package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// The authentication strength and Conditional Access policies setup
// manages, found again by display name on every run.
const (
	StrengthName        = "MFA recovery: passkey or one-time TAP"
	strengthDescription = "Passkey (FIDO2) or a one-time Temporary Access Pass. Managed by entra-mfa-recovery tools/setup."
	RegistrationPolicy  = "MFA recovery: register security info with a passkey, one-time TAP or compliant device"
	MobilePolicy        = "MFA recovery: passkey enrollment on mobile for the temporary group"
	registerSecurityInf = "urn:user:registersecurityinfo"
)

// StrengthCombinations: a passkey, or a Temporary Access Pass usable once.
var StrengthCombinations = []string{"fido2", "temporaryAccessPassOneTime"}

func planStrength(ctx context.Context, t directory.Tenant, st *state) (Section, error) {
	sec := Section{Short: "strength", Title: fmt.Sprintf("Authentication strength %q", StrengthName)}
	all, err := t.AuthStrengths(ctx)
	if err != nil {
		return sec, err
	}
	var found []directory.AuthStrength
	for _, s := range all {
		if s.DisplayName == StrengthName {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		sec.Steps = append(sec.Steps, Step{Mark: Create, Subject: "create: " + strings.Join(StrengthCombinations, ", "),
			apply: func(ctx context.Context, t directory.Tenant, st *state) error {
				s, err := t.CreateAuthStrength(ctx, directory.AuthStrength{DisplayName: StrengthName,
					Description: strengthDescription, Combinations: StrengthCombinations})
				st.strengthID = s.ID
				return err
			}})
		return sec, nil
	case 1:
	default:
		return sec, fmt.Errorf("%d custom authentication strengths are named %q: delete or rename all but one", len(found), StrengthName)
	}
	have := found[0]
	st.strengthID = have.ID
	sec.Steps = append(sec.Steps, combinationStep(have))
	if have.Description != strengthDescription {
		sec.Steps = append(sec.Steps, Step{Mark: Update, Subject: "description",
			apply: func(ctx context.Context, t directory.Tenant, _ *state) error {
				return t.UpdateAuthStrength(ctx, have.ID, StrengthName, strengthDescription)
			}})
	}
	return sec, nil
}

// combinationStep changes combinations only through
// updateAllowedCombinations, the one way Graph allows.
func combinationStep(have directory.AuthStrength) Step {
	if sameSet(normaliseCombos(have.Combinations), normaliseCombos(StrengthCombinations)) {
		return Step{Mark: Same, Subject: have.ID + ": " + strings.Join(StrengthCombinations, ", ")}
	}
	return Step{Mark: Update, Subject: "combinations of " + have.ID,
		Notes: []string{"now " + strings.Join(have.Combinations, "; ") + ", wanted " + strings.Join(StrengthCombinations, ", "),
			"every Conditional Access policy using this strength changes with it"},
		apply: func(ctx context.Context, t directory.Tenant, _ *state) error {
			_, err := t.UpdateAllowedCombinations(ctx, have.ID, StrengthCombinations)
			return err
		}}
}

func normaliseCombos(in []string) []string {
	out := make([]string, len(in))
	for i, c := range in {
		out[i] = strings.ReplaceAll(c, " ", "")
	}
	return out
}

// sameSet compares ignoring order and duplicates.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
