package plan

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Status is a posture check's result.
type Status string

// Statuses, as printed.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	// Unseen: Graph cannot show it (an Exchange scope, a catalog role
	// setup does not read); the line says how to check it.
	Unseen Status = "check"
)

// Check is one line of setup verify.
type Check struct {
	Status Status
	What   string
	Fix    []string // lines
}

// Verify checks the tenant's posture: method policies, the strength, the
// Conditional Access policies and their state, the identity's
// permissions. It changes nothing.
func Verify(ctx context.Context, t directory.Tenant, in Inputs) ([]Check, error) {
	checks, err := methodChecks(ctx, t, in)
	if err != nil {
		return nil, err
	}
	p, err := Build(ctx, t, in)
	if err != nil {
		return nil, err
	}
	for _, sec := range p.Sections {
		for _, st := range sec.Steps {
			checks = append(checks, stepCheck(sec.Short, st))
		}
	}
	return checks, nil
}

// stepCheck turns a plan line into a check: what is already as wanted
// passes, what apply would change fails with "setup apply" as the fix.
func stepCheck(section string, st Step) Check {
	what := section + " " + st.Subject
	switch {
	case st.Mark == Same && strings.Contains(st.Subject, directory.CAReportOnly):
		return Check{Pass, what, []string{"report-only: review its results in the sign-in logs, then setup apply --enforce"}}
	case st.Mark == Same:
		return Check{Status: Pass, What: what}
	case st.Mark == Manual && st.wrong:
		return Check{Fail, what, st.Notes}
	case st.Mark == Manual && len(st.Notes) > 1:
		return Check{Unseen, what, st.Notes[1:]} // the first note is the reason
	case st.Mark == Manual:
		return Check{Unseen, what, st.Notes}
	}
	if st.Mark == Update && len(st.Notes) > 0 {
		what += ": " + st.Notes[0] // what differs
	} else if st.Mark == Create {
		what += ": missing"
	}
	return Check{Fail, what, []string{"setup apply"}}
}

func methodChecks(ctx context.Context, t directory.Tenant, in Inputs) ([]Check, error) {
	tap, err := t.TAPPolicy(ctx)
	if err != nil {
		return nil, err
	}
	fido, err := t.Fido2Policy(ctx)
	if err != nil {
		return nil, err
	}
	const methods = "Entra admin center > Protection > Authentication methods > Policies > "
	checks := []Check{
		check(tap.Enabled, "Temporary Access Pass method enabled", methods+"Temporary Access Pass: Enable, target the users this service may reset"),
		check(tap.UsableOnce, "Temporary Access Pass one-time (isUsableOnce)", methods+"Temporary Access Pass > Configure: One-time use = Yes"),
	}
	for _, l := range []struct {
		name    string
		minutes int
	}{{"NEW_HIRE_TAP_LIFETIME_MINUTES", in.Settings.NewHire.TAPLifetimeMinutes}, {"RESET_TAP_LIFETIME_MINUTES", in.Settings.Reset.TAPLifetimeMinutes}} {
		ok := l.minutes >= tap.MinLifetime && (tap.MaxLifetime == 0 || l.minutes <= tap.MaxLifetime)
		checks = append(checks, check(ok,
			fmt.Sprintf("%s %d within the TAP policy's %d-%d minutes", l.name, l.minutes, tap.MinLifetime, tap.MaxLifetime),
			"change "+l.name+" or the policy's minimum and maximum lifetime"))
	}
	checks = append(checks,
		check(fido.Enabled, "Passkey (FIDO2) method enabled", methods+"Passkey (FIDO2): Enable"),
		check(fido.SelfServiceRegistration, "Passkey (FIDO2) allows self-service setup, which the provisioning API requires",
			methods+"Passkey (FIDO2) > Configure: Allow self-service set up = Yes (isSelfServiceRegistrationAllowed)"))
	return checks, nil
}

func check(ok bool, what, fix string) Check {
	if ok {
		return Check{Status: Pass, What: what}
	}
	return Check{Fail, what, []string{fix}}
}

// WriteChecks prints the checks and returns how many failed.
func WriteChecks(w io.Writer, checks []Check) int {
	failed := 0
	for _, c := range checks {
		fmt.Fprintf(w, "%-5s %s\n", c.Status, c.What)
		for i, f := range c.Fix {
			label := "fix:"
			if i > 0 {
				label = "    "
			}
			fmt.Fprintf(w, "      %s %s\n", label, f)
		}
		if c.Status == Fail {
			failed++
		}
	}
	fmt.Fprintf(w, "\n%d checks, %d failed.\n", len(checks), failed)
	return failed
}
