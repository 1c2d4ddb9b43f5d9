package graphdouble

import (
	"fmt"
	"net/http"
)

// Beta signInPreferences: how our code changes the default method before
// deleting it.

// preferredKinds maps userPreferredMethodForSecondaryAuthentication to the
// methods that can back it, in preference order.
var preferredKinds = map[string][]func(*User) *AuthMethod{
	"push":                 {firstOf(MethodMicrosoftAuthenticator)},
	"oath":                 {firstOf(MethodSoftwareOath), firstOf(MethodMicrosoftAuthenticator)},
	"sms":                  {phoneOf("mobile")},
	"voiceMobile":          {phoneOf("mobile")},
	"voiceAlternateMobile": {phoneOf("alternateMobile")},
	"voiceOffice":          {phoneOf("office")},
}

func firstOf(t MethodType) func(*User) *AuthMethod {
	return func(u *User) *AuthMethod {
		for _, m := range u.AuthenticationMethods {
			if m.Type == t {
				return m
			}
		}
		return nil
	}
}

func phoneOf(phoneType string) func(*User) *AuthMethod {
	return func(u *User) *AuthMethod { return u.phone(phoneType) }
}

func patchSignInPreferences(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	if pref, ok := body["userPreferredMethodForSecondaryAuthentication"].(string); ok {
		m := resolvePreferred(u, pref)
		if m == nil {
			c.fail(http.StatusBadRequest, "badRequest", fmt.Sprintf("The user has no registered method that supports '%s'.", pref))
			return
		}
		u.DefaultMethod = m.ID
	}
	if v, ok := body["isSystemPreferredAuthenticationMethodEnabled"].(bool); ok {
		u.SystemPreferredMethodEnabled = v
	}
	c.noContent()
}

func resolvePreferred(u *User, pref string) *AuthMethod {
	for _, f := range preferredKinds[pref] {
		if m := f(u); m != nil {
			return m
		}
	}
	return nil
}

func getSignInPreferences(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	c.entity(http.StatusOK, fmt.Sprintf("users('%s')/authentication/signInPreferences", u.ID), map[string]any{
		"isSystemPreferredAuthenticationMethodEnabled":  u.SystemPreferredMethodEnabled,
		"userPreferredMethodForSecondaryAuthentication": preferredName(u),
	})
}

// preferredName reports the default method as the beta enum value.
func preferredName(u *User) any {
	for _, m := range u.AuthenticationMethods {
		if m.ID != u.DefaultMethod {
			continue
		}
		switch {
		case m.Type == MethodMicrosoftAuthenticator:
			return "push"
		case m.Type == MethodSoftwareOath:
			return "oath"
		case m.Type == MethodPhone && m.PhoneType == "mobile":
			return "sms"
		case m.Type == MethodPhone && m.PhoneType == "alternateMobile":
			return "voiceAlternateMobile"
		case m.Type == MethodPhone:
			return "voiceOffice"
		}
	}
	return nil
}
