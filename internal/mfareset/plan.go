package mfareset

import (
	"slices"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

// deletionPlan is the order in which a user's methods are deleted: the
// methods of one stage at once, the stages one after another.
type deletionPlan struct {
	// setDefault, when not "", is the default second factor (a
	// directory.Prefer value) to set alongside the first stage; stages[0]
	// may then be empty.
	setDefault string
	stages     [][]directory.Method
}

// planDeletion orders ms (the methods to delete) by the rules Graph
// documents for deletions; defaults are the methods that may be the
// user's default (see defaultsOf):
//
//  1. The default method cannot be deleted while other methods remain
//     (microsoft-graph-docs-contrib #2913, #1888): it goes last.
//  2. A user cannot have an alternateMobile phone without a mobile one
//     (api-reference/v1.0/api/phoneauthenticationmethod-delete.md): the
//     mobile phone goes after the alternateMobile one.
//
// Nothing else is ordered, so everything else goes in the first stage.
// With both phones and the default elsewhere that is three stages (the
// rest with the alternateMobile, then the mobile, then the default); with
// the mobile as the default, two.
//
// The default alternateMobile beside a mobile is the one case the rules
// cannot both be met by order alone: deleted first, it is the default
// while others remain (rule 1); deleted last, the mobile goes before it
// (rule 2). Graph refuses both orders, so the default moves to the mobile
// first (voiceMobile: a user whose default is a voice call can take one),
// as the phone-delete page advises, and the mobile goes last as the new
// default. The change runs beside the first stage, the alternateMobile
// waits for it: still three stages.
func planDeletion(ms, defaults []directory.Method) deletionPlan {
	mobile := phoneOf(ms, directory.PhoneMobile)
	alternate := phoneOf(ms, directory.PhoneAlternateMobile)
	isDefault := func(m directory.Method) bool { return slices.Contains(defaults, m) }
	if mobile != nil && alternate != nil && isDefault(*alternate) {
		rest := slices.DeleteFunc(slices.Clone(ms), func(m directory.Method) bool { return m == *mobile || m == *alternate })
		return deletionPlan{
			setDefault: directory.PreferVoiceMobile,
			stages:     [][]directory.Method{rest, {*alternate}, {*mobile}},
		}
	}
	mobileWaits := mobile != nil && alternate != nil
	var first, afterAlternate, last []directory.Method
	for _, m := range ms {
		switch {
		case isDefault(m):
			last = append(last, m)
		case mobileWaits && m == *mobile:
			afterAlternate = append(afterAlternate, m)
		default:
			first = append(first, m)
		}
	}
	var p deletionPlan
	for _, s := range [][]directory.Method{first, afterAlternate, last} {
		if len(s) > 0 {
			p.stages = append(p.stages, s)
		}
	}
	return p
}

// defaultsOf returns the methods of ms that can back the user's default
// second factor (signInPreferences' preferred value). refusedID is a method
// Graph has refused to delete as the default: it is the default, whatever
// the preference said. "oath" is a software OATH token, or else the
// Authenticator's code; "push" is every Authenticator, since Graph does not
// say which device.
func defaultsOf(ms []directory.Method, preferred, refusedID string) []directory.Method {
	if i := slices.IndexFunc(ms, func(m directory.Method) bool { return m.ID == refusedID }); refusedID != "" && i >= 0 {
		return ms[i : i+1]
	}
	switch preferred {
	case directory.PreferPush:
		return ofType(ms, directory.MethodAuthenticator)
	case directory.PreferOath:
		if oath := ofType(ms, directory.MethodSoftwareOath); len(oath) > 0 {
			return oath
		}
		return ofType(ms, directory.MethodAuthenticator)
	case directory.PreferSMS, directory.PreferVoiceMobile:
		return phones(ms, directory.PhoneMobile)
	case directory.PreferVoiceAlternateMobile:
		return phones(ms, directory.PhoneAlternateMobile)
	case directory.PreferVoiceOffice:
		return phones(ms, directory.PhoneOffice)
	}
	return nil
}

func ofType(ms []directory.Method, t directory.MethodType) []directory.Method {
	var out []directory.Method
	for _, m := range ms {
		if m.Type == t {
			out = append(out, m)
		}
	}
	return out
}

func phones(ms []directory.Method, phoneType string) []directory.Method {
	if p := phoneOf(ms, phoneType); p != nil {
		return []directory.Method{*p}
	}
	return nil
}

// phoneOf returns the phone method of a type (a user has at most one).
func phoneOf(ms []directory.Method, phoneType string) *directory.Method {
	for i, m := range ms {
		if m.Type == directory.MethodPhone && m.PhoneType == phoneType {
			return &ms[i]
		}
	}
	return nil
}
