package graphdouble

import (
	"strings"
	"testing"
	"time"
)

func TestListMethodsPolymorphicWithPassword(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("GET", "/v1.0/users/"+samID+"/authentication/methods", nil), 200)
	var types []string
	for _, v := range r.values() {
		types = append(types, strings.TrimPrefix(v["@odata.type"].(string), "#microsoft.graph."))
	}
	want := "passwordAuthenticationMethod phoneAuthenticationMethod phoneAuthenticationMethod " +
		"microsoftAuthenticatorAuthenticationMethod softwareOathAuthenticationMethod " +
		"fido2AuthenticationMethod windowsHelloForBusinessAuthenticationMethod"
	if strings.Join(types, " ") != want {
		t.Errorf("types: %v", types)
	}
	if r.values()[0]["id"] != PasswordMethodID {
		t.Errorf("password id %v", r.values()[0]["id"])
	}
}

func TestTypedCollections(t *testing.T) {
	f := newFixture(t, Options{})
	phones := f.expect(f.do("GET", "/v1.0/users/"+samID+"/authentication/phoneMethods", nil), 200).values()
	if len(phones) != 2 || phones[0]["id"] != PhoneIDMobile || phones[1]["id"] != PhoneIDOffice ||
		phones[0]["phoneNumber"] != "+1 2065550109" || phones[0]["smsSignInState"] != "notAllowedByPolicy" {
		t.Errorf("phones: %v", phones)
	}
	one := f.expect(f.do("GET", "/v1.0/users/"+samID+"/authentication/fido2Methods/"+samFido2, nil), 200)
	if one.str("model") != "YubiKey 5 Series" || one.str("createdDateTime") != "2025-04-02T10:30:00.0000000Z" {
		t.Errorf("fido2: %s", one.raw)
	}
	// A method is found only in its own collection.
	f.expect(f.do("GET", "/v1.0/users/"+samID+"/authentication/softwareOathMethods/"+samFido2, nil), 404)
	pw := f.expect(f.do("GET", "/v1.0/users/"+samID+"/authentication/passwordMethods", nil), 200).values()
	if len(pw) != 1 || pw[0]["password"] != nil {
		t.Errorf("password: %v", pw)
	}
}

func TestDeleteMethodsDefaultLast(t *testing.T) {
	f := newFixture(t, Options{})
	base := "/v1.0/users/" + samID + "/authentication/"
	r := f.expect(f.do("DELETE", base+"microsoftAuthenticatorMethods/"+samAuthenticator, nil), 400)
	if r.errorMessage() != "Cannot delete default method with other methods configured. Please change default method before deletion." {
		t.Errorf("message %q", r.errorMessage())
	}
	for _, p := range []string{
		"fido2Methods/" + samFido2,
		"windowsHelloForBusinessMethods/a0000000-0000-4000-8000-000000000094",
		"softwareOathMethods/a0000000-0000-4000-8000-000000000092",
		"phoneMethods/" + PhoneIDOffice,
		"phoneMethods/" + PhoneIDMobile,
		"microsoftAuthenticatorMethods/" + samAuthenticator, // default, now alone
	} {
		f.expect(f.do("DELETE", base+p, nil), 204)
	}
	f.expect(f.do("DELETE", base+"fido2Methods/"+samFido2, nil), 404)
	if m := f.d.Methods(samID); len(m) != 0 {
		t.Errorf("left: %v", m)
	}
	left := f.expect(f.do("GET", base+"methods", nil), 200).values()
	if len(left) != 1 || left[0]["@odata.type"] != "#microsoft.graph.passwordAuthenticationMethod" {
		t.Errorf("after reset: %v", left)
	}
}

// Graph's phone rules on delete: the mobile stays while an alternateMobile
// does; the default goes last. A default alternateMobile beside a mobile is
// refused in both orders until the default changes.
func TestPhoneDeleteOrder(t *testing.T) {
	f := newFixture(t, Options{})
	if _, err := f.d.AddMethod(samID, AuthMethod{Type: MethodPhone, PhoneType: "alternateMobile", PhoneNumber: "+1 2065550199"}); err != nil {
		t.Fatal(err)
	}
	base := "/v1.0/users/" + samID + "/authentication/"
	r := f.expect(f.do("DELETE", base+"phoneMethods/"+PhoneIDMobile, nil), 400)
	if r.errorCode() != "badRequest" || r.errorMessage() != "A user can't have an alternateMobile number without a mobile number." {
		t.Errorf("refusal %s", r.raw)
	}
	if err := f.d.SetDefaultMethod(samID, PhoneIDAlternateMobile); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"fido2Methods/" + samFido2, "windowsHelloForBusinessMethods/a0000000-0000-4000-8000-000000000094",
		"softwareOathMethods/a0000000-0000-4000-8000-000000000092", "microsoftAuthenticatorMethods/" + samAuthenticator,
		"phoneMethods/" + PhoneIDOffice} {
		f.expect(f.do("DELETE", base+p, nil), 204)
	}
	f.expect(f.do("DELETE", base+"phoneMethods/"+PhoneIDMobile, nil), 400)          // the alternate exists
	f.expect(f.do("DELETE", base+"phoneMethods/"+PhoneIDAlternateMobile, nil), 400) // the default, the mobile remains
	f.expect(f.do("PATCH", "/beta/users/"+samID+"/authentication/signInPreferences",
		map[string]any{"userPreferredMethodForSecondaryAuthentication": "voiceMobile"}), 204)
	f.expect(f.do("DELETE", base+"phoneMethods/"+PhoneIDAlternateMobile, nil), 204)
	f.expect(f.do("DELETE", base+"phoneMethods/"+PhoneIDMobile, nil), 204)
	if m := f.d.Methods(samID); len(m) != 0 {
		t.Errorf("left: %v", m)
	}
}

func TestNoGenericOrPasswordDelete(t *testing.T) {
	f := newFixture(t, Options{})
	base := "/v1.0/users/" + samID + "/authentication/"
	r := f.expect(f.do("DELETE", base+"methods/"+samFido2, nil), 405)
	if r.errorCode() == "" {
		t.Errorf("405 without an error body: %s", r.raw)
	}
	f.expect(f.do("DELETE", base+"passwordMethods/"+PasswordMethodID, nil), 405)
	if len(f.d.Methods(samID)) != 6 {
		t.Error("a refused delete removed something")
	}
}

func TestSignInPreferencesChangeDefault(t *testing.T) {
	f := newFixture(t, Options{})
	pref := "/beta/users/" + samID + "/authentication/signInPreferences"
	if got := f.expect(f.do("GET", pref, nil), 200).str("userPreferredMethodForSecondaryAuthentication"); got != "push" {
		t.Errorf("preferred %q", got)
	}
	f.expect(f.do("PATCH", pref, map[string]any{"userPreferredMethodForSecondaryAuthentication": "sms"}), 204)
	if u, _ := f.d.User(samID); u.DefaultMethod != PhoneIDMobile {
		t.Errorf("default %q", u.DefaultMethod)
	}
	f.expect(f.do("DELETE", "/v1.0/users/"+samID+"/authentication/microsoftAuthenticatorMethods/"+samAuthenticator, nil), 204)
	f.expect(f.do("PATCH", pref, map[string]any{"userPreferredMethodForSecondaryAuthentication": "push"}), 400)
	f.expect(f.do("PATCH", pref, map[string]any{"userPreferredMethodForSecondaryAuthentication": "carrierPigeon"}), 400)
	f.expect(f.do("PATCH", pref, map[string]any{"userPreferedMethod": "sms"}), 400)
}

func TestPhonePostPatchRules(t *testing.T) {
	f := newFixture(t, Options{})
	phones := "/v1.0/users/" + noraID + "/authentication/phoneMethods"
	alt := map[string]any{"phoneNumber": "+1 2065550199", "phoneType": "alternateMobile"}
	f.expect(f.do("POST", phones, alt), 400) // mobile first
	f.expect(f.do("POST", phones, map[string]any{"phoneNumber": "+12065550101", "phoneType": "mobile"}), 400)
	r := f.expect(f.do("POST", phones, map[string]any{"phoneNumber": "+1 2065550101", "phoneType": "mobile"}), 201)
	if r.str("id") != PhoneIDMobile || r.str("smsSignInState") != "notAllowedByPolicy" {
		t.Errorf("created: %s", r.raw)
	}
	second := f.expect(f.do("POST", phones, map[string]any{"phoneNumber": "+1 2065550102", "phoneType": "mobile"}), 400)
	if second.errorCode() != "badRequest" {
		t.Errorf("code %q", second.errorCode())
	}
	f.expect(f.do("POST", phones, alt), 201)
	// The mobile cannot go while the alternate stays.
	f.expect(f.do("DELETE", phones+"/"+PhoneIDMobile, nil), 400)
	f.expect(f.do("PATCH", phones+"/"+PhoneIDMobile, map[string]any{"phoneNumber": "+44 7700900123"}), 204)
	f.expect(f.do("PATCH", phones+"/"+PhoneIDMobile, map[string]any{"phoneType": "office"}), 400)
	f.expect(f.do("PATCH", phones+"/"+PhoneIDMobile, map[string]any{"phoneNumber": "07700 900123"}), 400)
	f.expect(f.do("PATCH", phones+"/"+PhoneIDOffice, map[string]any{"phoneNumber": "+1 2065550100"}), 404)
	got := f.expect(f.do("GET", phones+"/"+PhoneIDMobile, nil), 200)
	if got.str("phoneNumber") != "+44 7700900123" {
		t.Errorf("after patch: %s", got.raw)
	}
}

func TestUnknownPropertyRejected(t *testing.T) {
	f := newFixture(t, Options{})
	r := f.expect(f.do("POST", "/v1.0/users/"+noraID+"/authentication/phoneMethods",
		map[string]any{"phoneNumber": "+1 2065550101", "phonetype": "mobile"}), 400)
	if !strings.Contains(r.errorMessage(), "'phonetype' does not exist") {
		t.Errorf("message %q", r.errorMessage())
	}
}

func TestFrozenClockRendersTimes(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	f := newFixture(t, Options{Now: func() time.Time { return now }})
	r := f.expect(f.do("POST", "/v1.0/users/"+noraID+"/authentication/temporaryAccessPassMethods", map[string]any{}), 201)
	if r.str("createdDateTime") != "2026-03-04T05:06:07.0000000Z" {
		t.Errorf("created %q", r.str("createdDateTime"))
	}
}
