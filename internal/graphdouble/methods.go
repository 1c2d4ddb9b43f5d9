package graphdouble

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// methodKind describes one authentication method type: its typed
// collection under /users/{id}/authentication and how it renders.
type methodKind struct {
	typ        MethodType
	collection string
	graphType  string // qualified type name without "#"
	render     func(m *AuthMethod, now time.Time) map[string]any
}

var methodKinds = map[MethodType]*methodKind{}

// methodOrder lists kinds in the order routes are built and lists render.
var methodOrder = []*methodKind{
	{MethodPassword, "passwordMethods", g + "passwordAuthenticationMethod", renderPassword},
	{MethodPhone, "phoneMethods", g + "phoneAuthenticationMethod", renderPhone},
	{MethodMicrosoftAuthenticator, "microsoftAuthenticatorMethods", g + "microsoftAuthenticatorAuthenticationMethod", renderAuthenticator},
	{MethodSoftwareOath, "softwareOathMethods", g + "softwareOathAuthenticationMethod", renderSoftwareOath},
	{MethodFido2, "fido2Methods", g + "fido2AuthenticationMethod", renderFido2},
	{MethodWindowsHelloForBusiness, "windowsHelloForBusinessMethods", g + "windowsHelloForBusinessAuthenticationMethod", renderKeyed},
	{MethodEmail, "emailMethods", g + "emailAuthenticationMethod", renderEmail},
	{MethodPlatformCredential, "platformCredentialMethods", g + "platformCredentialAuthenticationMethod", renderPlatformCredential},
	{MethodTemporaryAccessPass, "temporaryAccessPassMethods", g + "temporaryAccessPassAuthenticationMethod", renderTAP},
}

func init() {
	for _, k := range methodOrder {
		methodKinds[k.typ] = k
	}
}

// renderMethod renders any method with its @odata.type.
func renderMethod(m *AuthMethod, now time.Time) map[string]any {
	k := methodKinds[m.Type]
	obj := k.render(m, now)
	obj["@odata.type"] = "#" + k.graphType
	return obj
}

func methodBase(m *AuthMethod) map[string]any {
	return map[string]any{"id": m.ID, "createdDateTime": timeOrNil(m.CreatedDateTime)}
}

func renderPassword(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["password"] = nil // Graph never returns it
	return obj
}

func renderPhone(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["phoneNumber"] = m.PhoneNumber
	obj["phoneType"] = m.PhoneType
	obj["smsSignInState"] = m.SMSSignInState
	return obj
}

func renderAuthenticator(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["displayName"] = strOrNil(m.DisplayName)
	obj["deviceTag"] = strOrNil(m.DeviceTag)
	obj["phoneAppVersion"] = strOrNil(m.PhoneAppVersion)
	return obj
}

func renderSoftwareOath(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["secretKey"] = nil // write-only in Graph
	return obj
}

func renderFido2(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["displayName"] = strOrNil(m.DisplayName)
	obj["aaGuid"] = strOrNil(m.AAGUID)
	obj["model"] = strOrNil(m.Model)
	obj["attestationCertificates"] = strSlice(m.AttestationCertificates)
	obj["attestationLevel"] = strOrNil(m.AttestationLevel)
	obj["passkeyType"] = strOrNil(m.PasskeyType)
	obj["publicKeyCredential"] = nil // only sent on registration
	return obj
}

func renderKeyed(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["displayName"] = strOrNil(m.DisplayName)
	obj["keyStrength"] = strOrNil(m.KeyStrength)
	return obj
}

func renderPlatformCredential(m *AuthMethod, now time.Time) map[string]any {
	obj := renderKeyed(m, now)
	obj["platform"] = strOrNil(m.Platform)
	return obj
}

func renderEmail(m *AuthMethod, _ time.Time) map[string]any {
	obj := methodBase(m)
	obj["emailAddress"] = m.EmailAddress
	return obj
}

// passwordMethod is the password every user has; it is listed, never deleted.
func passwordMethod() *AuthMethod {
	return &AuthMethod{Type: MethodPassword, ID: PasswordMethodID}
}

// allMethods is what GET .../authentication/methods lists: password first.
func allMethods(u *User) []*AuthMethod {
	return append([]*AuthMethod{passwordMethod()}, u.AuthenticationMethods...)
}

func listAllMethods(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	var items []map[string]any
	for _, m := range allMethods(u) {
		items = append(items, renderMethod(m, c.d.now()))
	}
	c.whole(items, fmt.Sprintf("users('%s')/authentication/methods", u.ID))
}

func getAnyMethod(c *call) {
	u := c.user()
	if u == nil {
		return
	}
	for _, m := range allMethods(u) {
		if strings.EqualFold(m.ID, c.p["id"]) {
			c.entity(http.StatusOK, fmt.Sprintf("users('%s')/authentication/methods/$entity", u.ID), renderMethod(m, c.d.now()))
			return
		}
	}
	c.notFound(c.p["id"])
}

// typed collection handlers, one set per method kind

func listTyped(k *methodKind) func(*call) {
	return func(c *call) {
		u := c.user()
		if u == nil {
			return
		}
		var items []map[string]any
		for _, m := range allMethods(u) {
			if m.Type == k.typ {
				items = append(items, renderMethod(m, c.d.now()))
			}
		}
		c.whole(items, fmt.Sprintf("users('%s')/authentication/%s", u.ID, k.collection))
	}
}

func getTyped(k *methodKind) func(*call) {
	return func(c *call) {
		u, m := c.typedMethod(k)
		if m == nil {
			return
		}
		c.entity(http.StatusOK, fmt.Sprintf("users('%s')/authentication/%s/$entity", u.ID, k.collection), renderMethod(m, c.d.now()))
	}
}

// typedMethod resolves {user} and {id} within one kind, answering 404.
func (c *call) typedMethod(k *methodKind) (*User, *AuthMethod) {
	u := c.user()
	if u == nil {
		return nil, nil
	}
	for _, m := range allMethods(u) {
		if m.Type == k.typ && strings.EqualFold(m.ID, c.p["id"]) {
			return u, m
		}
	}
	c.notFound(c.p["id"])
	return nil, nil
}

func deleteTyped(k *methodKind) func(*call) {
	return func(c *call) {
		u, m := c.typedMethod(k)
		if m == nil {
			return
		}
		if msg := deleteBlocked(u, m); msg != "" {
			c.fail(http.StatusBadRequest, "badRequest", msg)
			return
		}
		removeMethod(u, m)
		c.noContent()
	}
}

// deleteBlocked returns Graph's refusal for a delete, or "". Every typed
// DELETE goes through it, phoneMethods/{id} included, so both rules hold
// on every route that removes a phone.
func deleteBlocked(u *User, m *AuthMethod) string {
	if strings.EqualFold(m.ID, u.DefaultMethod) && len(u.AuthenticationMethods) > 1 {
		return defaultMethodRefusal
	}
	if m.Type == MethodPhone && m.PhoneType == "mobile" && u.phone("alternateMobile") != nil {
		return mobileBeforeAlternateRefusal
	}
	return ""
}

// Graph's words for its two delete-order rules.
const (
	// microsoft-graph-docs-contrib issue #2913.
	defaultMethodRefusal = "Cannot delete default method with other methods configured. Please change default method before deletion."
	// The rule as api-reference/v1.0/api/phoneauthenticationmethod-delete.md
	// (microsoftgraph/microsoft-graph-docs-contrib) states it: the mobile
	// phone stays while an alternateMobile phone does; update the mobile
	// number instead, or delete the alternateMobile phone first.
	mobileBeforeAlternateRefusal = "A user can't have an alternateMobile number without a mobile number."
)

func removeMethod(u *User, m *AuthMethod) {
	for i, x := range u.AuthenticationMethods {
		if x == m {
			u.AuthenticationMethods = append(u.AuthenticationMethods[:i:i], u.AuthenticationMethods[i+1:]...)
			break
		}
	}
	if strings.EqualFold(u.DefaultMethod, m.ID) {
		u.DefaultMethod = ""
	}
	if m.Type == MethodTemporaryAccessPass {
		for i := range u.IssuedTAPs {
			if u.IssuedTAPs[i].ID == m.ID {
				u.IssuedTAPs[i].Deleted = true
			}
		}
	}
}

// phone returns the user's phone method of a type, or nil.
func (u *User) phone(phoneType string) *AuthMethod {
	for _, m := range u.AuthenticationMethods {
		if m.Type == MethodPhone && m.PhoneType == phoneType {
			return m
		}
	}
	return nil
}
