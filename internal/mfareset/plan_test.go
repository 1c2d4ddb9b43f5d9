package mfareset

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/config"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// Methods by short name, as the tests write plans.
var (
	mMobile    = directory.Method{ID: directory.PhoneIDMobile, Type: directory.MethodPhone, PhoneType: directory.PhoneMobile}
	mAlternate = directory.Method{ID: directory.PhoneIDAlternateMobile, Type: directory.MethodPhone, PhoneType: directory.PhoneAlternateMobile}
	mOffice    = directory.Method{ID: directory.PhoneIDOffice, Type: directory.MethodPhone, PhoneType: directory.PhoneOffice}
	mAuth      = directory.Method{ID: "auth-1", Type: directory.MethodAuthenticator}
	mAuth2     = directory.Method{ID: "auth-2", Type: directory.MethodAuthenticator}
	mOath      = directory.Method{ID: "oath-1", Type: directory.MethodSoftwareOath}
	mFido      = directory.Method{ID: "fido-1", Type: directory.MethodFido2}
	mPassword  = directory.Method{ID: "28c10230-6103-485e-b985-444c60001490", Type: directory.MethodPassword}
)

var shortNames = map[directory.Method]string{
	mMobile: "mobile", mAlternate: "alternate", mOffice: "office", mAuth: "auth", mAuth2: "auth2",
	mOath: "oath", mFido: "fido", mPassword: "password",
}

// planFor plans as the reset does: the targeted methods (every resettable
// type, never the password), the default from the preference.
func planFor(ms []directory.Method, preferred, refusedID string) deletionPlan {
	r := &run{w: &Worker{Cfg: config.Reset{MethodTypes: config.ResettableMethods}}}
	targets := r.filter(ms, "")
	return planDeletion(targets, defaultsOf(targets, preferred, refusedID))
}

// render writes a plan as "setDefault; a b | c | d", each stage sorted.
func render(p deletionPlan) string {
	var stages []string
	for _, s := range p.stages {
		var names []string
		for _, m := range s {
			names = append(names, shortNames[m])
		}
		slices.Sort(names)
		stages = append(stages, strings.Join(names, " "))
	}
	out := strings.Join(stages, " | ")
	if p.setDefault != "" {
		out = p.setDefault + "; " + out
	}
	return out
}

func TestPlanDeletion(t *testing.T) {
	phones := []directory.Method{mPassword, mMobile, mAlternate, mOffice}
	six := []directory.Method{mPassword, mMobile, mAlternate, mOffice, mAuth, mOath, mFido}
	cases := []struct {
		name      string
		ms        []directory.Method
		preferred string
		refusedID string
		want      string
	}{
		{"phones, no default", phones, "", "", "alternate office | mobile"},
		{"phones, default sms (the mobile)", phones, directory.PreferSMS, "", "alternate office | mobile"},
		{"phones, default voiceMobile", phones, directory.PreferVoiceMobile, "", "alternate office | mobile"},
		{"phones, default office", phones, directory.PreferVoiceOffice, "", "alternate | mobile | office"},
		{"phones, default alternateMobile: moved to the mobile first", phones, directory.PreferVoiceAlternateMobile, "",
			"voiceMobile; office | alternate | mobile"},
		{"both mobiles only, default alternateMobile", []directory.Method{mMobile, mAlternate}, directory.PreferVoiceAlternateMobile, "",
			"voiceMobile;  | alternate | mobile"},
		{"an alternateMobile listed without a mobile, its default", []directory.Method{mAlternate, mOffice}, directory.PreferVoiceAlternateMobile, "",
			"office | alternate"},
		{"six methods, Authenticator default", six, directory.PreferPush, "", "alternate fido oath office | mobile | auth"},
		{"six methods, oath default: the software token", six, directory.PreferOath, "", "alternate auth fido office | mobile | oath"},
		{"oath default without a software token: the Authenticator's code", []directory.Method{mMobile, mAuth, mFido}, directory.PreferOath, "",
			"fido mobile | auth"},
		{"six methods, mobile default", six, directory.PreferSMS, "", "alternate auth fido oath office | mobile"},
		{"six methods, alternateMobile default", six, directory.PreferVoiceAlternateMobile, "",
			"voiceMobile; auth fido oath office | alternate | mobile"},
		{"push, two Authenticators: both last", []directory.Method{mOffice, mAuth, mAuth2}, directory.PreferPush, "", "office | auth auth2"},
		{"refused as the default beats the preference", six, directory.PreferPush, mOffice.ID, "alternate auth fido oath | mobile | office"},
		{"a default that is not registered", []directory.Method{mOffice, mFido}, directory.PreferPush, "", "fido office"},
		{"mobile only, its default", []directory.Method{mPassword, mMobile}, directory.PreferSMS, "", "mobile"},
		{"FIDO2 only", []directory.Method{mPassword, mFido}, "", "", "fido"},
		{"nothing but the password", []directory.Method{mPassword}, directory.PreferPush, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := render(planFor(c.ms, c.preferred, c.refusedID)); got != c.want {
				t.Errorf("plan %q, want %q", got, c.want)
			}
		})
	}
}

// graphModel is Graph's documented delete rules over one user's methods.
type graphModel struct {
	left        map[directory.Method]bool
	defaultID   string
	preferences map[string]directory.Method // what a PATCH may point the default at
}

// refusal says why Graph would refuse deleting m now, or "".
func (g *graphModel) refusal(m directory.Method) string {
	if m.ID == g.defaultID && len(g.left) > 1 {
		return "the default while others remain"
	}
	if m == mMobile && g.left[mAlternate] {
		return "the mobile while the alternateMobile remains"
	}
	return ""
}

// TestEveryPlanIsAcceptedByGraph plans every combination of methods and
// defaults and plays the plan against Graph's rules: a deletion runs at
// the same time as the rest of its stage, so it must be allowed at the
// stage's start (the rules only ever relax as other methods go), and a
// change of the default lands by the end of its stage. Every plan deletes
// every method once, never refused, in at most three stages.
func TestEveryPlanIsAcceptedByGraph(t *testing.T) {
	all := []directory.Method{mMobile, mAlternate, mOffice, mAuth, mOath, mFido}
	defaults := map[string]func([]directory.Method) *directory.Method{ // as the Graph double resolves them
		"":                   func([]directory.Method) *directory.Method { return nil },
		directory.PreferPush: firstOfType(directory.MethodAuthenticator),
		directory.PreferOath: func(ms []directory.Method) *directory.Method {
			if m := firstOfType(directory.MethodSoftwareOath)(ms); m != nil {
				return m
			}
			return firstOfType(directory.MethodAuthenticator)(ms)
		},
		directory.PreferSMS:                  phoneFn(directory.PhoneMobile),
		directory.PreferVoiceMobile:          phoneFn(directory.PhoneMobile),
		directory.PreferVoiceAlternateMobile: phoneFn(directory.PhoneAlternateMobile),
		directory.PreferVoiceOffice:          phoneFn(directory.PhoneOffice),
	}
	plans := 0
	for set := 1; set < 1<<len(all); set++ {
		var ms []directory.Method
		for i, m := range all {
			if set&(1<<i) != 0 {
				ms = append(ms, m)
			}
		}
		if slices.Contains(ms, mAlternate) && !slices.Contains(ms, mMobile) {
			continue // Graph never lets a user have this
		}
		for pref, resolve := range defaults {
			def := resolve(ms)
			if def == nil && pref != "" {
				continue // the preference needs a method the user lacks
			}
			plans++
			name := fmt.Sprintf("%v default %q", namesOf(ms), pref)
			if err := play(ms, def, planFor(ms, pref, ""), defaults); err != nil {
				t.Errorf("%s: plan %q: %v", name, render(planFor(ms, pref, "")), err)
			}
		}
	}
	if plans < 100 {
		t.Fatalf("only %d combinations planned", plans)
	}
}

func play(ms []directory.Method, def *directory.Method, p deletionPlan, defaults map[string]func([]directory.Method) *directory.Method) error {
	g := &graphModel{left: map[directory.Method]bool{}}
	for _, m := range ms {
		g.left[m] = true
	}
	if def != nil {
		g.defaultID = def.ID
	}
	if len(p.stages) > 3 {
		return fmt.Errorf("%d stages", len(p.stages))
	}
	// Stage 1 runs beside the change of default: its deletions must pass
	// under the old default and the new one.
	defaultsDuring := [][]string{{g.defaultID}}
	if p.setDefault != "" {
		target := defaults[p.setDefault](ms)
		if target == nil || slices.Contains(p.stages[0], *target) {
			return fmt.Errorf("the default moves to %s, which the user will not have", p.setDefault)
		}
		defaultsDuring = [][]string{{g.defaultID, target.ID}, {target.ID}}
	}
	deleted := 0
	for i, stage := range p.stages {
		during := defaultsDuring[min(i, len(defaultsDuring)-1)]
		for _, m := range stage {
			if !g.left[m] {
				return fmt.Errorf("stage %d deletes %s, which is not there", i+1, shortNames[m])
			}
			for _, d := range during {
				g.defaultID = d
				if why := g.refusal(m); why != "" {
					return fmt.Errorf("stage %d: Graph refuses %s: %s", i+1, shortNames[m], why)
				}
			}
		}
		for _, m := range stage {
			delete(g.left, m)
			deleted++
		}
	}
	if deleted != len(ms) || len(g.left) != 0 {
		return fmt.Errorf("%d of %d deleted", deleted, len(ms))
	}
	return nil
}

func firstOfType(t directory.MethodType) func([]directory.Method) *directory.Method {
	return func(ms []directory.Method) *directory.Method {
		for i := range ms {
			if ms[i].Type == t {
				return &ms[i]
			}
		}
		return nil
	}
}

func phoneFn(phoneType string) func([]directory.Method) *directory.Method {
	return func(ms []directory.Method) *directory.Method { return phoneOf(ms, phoneType) }
}

func namesOf(ms []directory.Method) []string {
	var out []string
	for _, m := range ms {
		out = append(out, shortNames[m])
	}
	return out
}
