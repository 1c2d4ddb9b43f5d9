package directory

import (
	"context"
	"errors"
)

// SignInPreferences is the user's default second factor (beta
// /users/{id}/authentication/signInPreferences, not in msgraph-sdk-go):
// Graph refuses to delete the method behind it while others remain.
type SignInPreferences interface {
	// PreferredMethod reads userPreferredMethodForSecondaryAuthentication:
	// one of the Prefer values, or "" when none is set.
	PreferredMethod(ctx context.Context, userID string) (string, error)
	// SetPreferredMethod makes preferred (a Prefer value, which one of the
	// user's methods must back) the default.
	SetPreferredMethod(ctx context.Context, userID, preferred string) error
}

// Values of userPreferredMethodForSecondaryAuthentication (beta
// userDefaultAuthenticationMethodType).
const (
	PreferPush                 = "push"
	PreferOath                 = "oath"
	PreferSMS                  = "sms"
	PreferVoiceMobile          = "voiceMobile"
	PreferVoiceAlternateMobile = "voiceAlternateMobile"
	PreferVoiceOffice          = "voiceOffice"
)

// ErrDeleteOrder: Graph refuses a deletion until another method is gone
// or changed (a mobile phone while an alternateMobile one exists), so the
// deletion is worth repeating in another order. DeleteMethod returns it
// for every such refusal but the default method's (ErrDefaultMethod).
var ErrDeleteOrder = errors.New("deletion refused by Microsoft Graph until another method is gone")

// RefusedForOrder reports whether Graph refused a deletion for its order:
// the default method while others remain, or any other ordering rule.
func RefusedForOrder(err error) bool {
	return errors.Is(err, ErrDeleteOrder) || errors.Is(err, ErrDefaultMethod)
}
