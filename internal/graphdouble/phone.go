package graphdouble

import (
	"fmt"
	"net/http"
	"regexp"
)

// phoneNumberRE is Graph's documented "+{country code} {number}x{extension}".
// Whether Graph also takes E.164 without the space is unverified, so the
// double refuses it: our code must normalise.
var phoneNumberRE = regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{4,15}(x[0-9]{1,10})?$`)

func validPhoneNumber(s string) bool { return phoneNumberRE.MatchString(s) }

const badPhoneNumber = "Invalid phone number. Phone numbers must be in the format '+{country code} {number}x{extension}', for example '+1 2065555555'."

func postPhone(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	number, _ := body["phoneNumber"].(string)
	phoneType, _ := body["phoneType"].(string)
	if msg := newPhoneProblem(u, number, phoneType); msg != "" {
		c.fail(http.StatusBadRequest, "badRequest", msg)
		return
	}
	m := &AuthMethod{
		Type: MethodPhone, ID: phoneIDs[phoneType], PhoneType: phoneType, PhoneNumber: number,
		SMSSignInState: smsState(phoneType, c.t.SMSSignInEnabled),
	}
	u.AuthenticationMethods = append(u.AuthenticationMethods, m)
	c.entity(http.StatusCreated, fmt.Sprintf("users('%s')/authentication/phoneMethods/$entity", u.ID), renderMethod(m, c.d.now()))
}

// newPhoneProblem applies Graph's rules for adding a phone: one per type,
// and a mobile before an alternate mobile.
func newPhoneProblem(u *User, number, phoneType string) string {
	if _, ok := phoneIDs[phoneType]; !ok {
		return "phoneType must be one of mobile, alternateMobile, office."
	}
	if !validPhoneNumber(number) {
		return badPhoneNumber
	}
	if u.phone(phoneType) != nil {
		return fmt.Sprintf("A phone method of type '%s' already exists for this user. Update or delete it instead.", phoneType)
	}
	if phoneType == "alternateMobile" && u.phone("mobile") == nil {
		return "An alternate mobile phone requires a mobile phone. Add the mobile phone first."
	}
	return ""
}

func patchPhone(c *call) {
	_, m := c.typedMethod(methodKinds[MethodPhone])
	if m == nil {
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	if t, ok := body["phoneType"].(string); ok && t != m.PhoneType {
		c.fail(http.StatusBadRequest, "badRequest", "The phoneType of an existing phone method cannot be changed. Add a new method and delete this one.")
		return
	}
	if n, present := body["phoneNumber"]; present {
		number, _ := n.(string)
		if !validPhoneNumber(number) {
			c.fail(http.StatusBadRequest, "badRequest", badPhoneNumber)
			return
		}
		m.PhoneNumber = number
	}
	c.noContent()
}
