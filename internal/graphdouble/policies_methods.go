package graphdouble

import (
	"net/http"
	"strings"
)

// Authentication method policies tools/setup verifies:
// GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}
// for TemporaryAccessPass (temporaryaccesspassauthenticationmethodconfiguration-get)
// and Fido2 (fido2authenticationmethodconfiguration-get). Other methods'
// configurations are not modelled and answer 404.

func getMethodConfiguration(c *call) {
	var obj map[string]any
	switch id := c.p["id"]; {
	case strings.EqualFold(id, "TemporaryAccessPass"):
		obj = renderTAPConfiguration(c.t)
	case strings.EqualFold(id, "Fido2"):
		obj = renderFido2Configuration(c.t.Setup.Fido2)
	default:
		c.notFound(id)
		return
	}
	c.entity(http.StatusOK, "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity", obj)
}

func enabledState(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

// allUsers is the include target Graph shows for "All users".
func allUsers() []map[string]any {
	return []map[string]any{{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}}
}

func renderTAPConfiguration(t *Tenant) map[string]any {
	p := t.TAPPolicy
	return map[string]any{
		"@odata.type": "#" + g + "temporaryAccessPassAuthenticationMethodConfiguration",
		"id":          "TemporaryAccessPass", "state": enabledState(!t.Setup.TAPMethodDisabled),
		"defaultLifetimeInMinutes": p.DefaultLifetimeInMinutes, "defaultLength": p.DefaultLength,
		"minimumLifetimeInMinutes": p.MinimumLifetimeInMinutes, "maximumLifetimeInMinutes": p.MaximumLifetimeInMinutes,
		"isUsableOnce": p.IsUsableOnce, "excludeTargets": []any{}, "includeTargets": allUsers(),
	}
}

func renderFido2Configuration(f Fido2Policy) map[string]any {
	return map[string]any{
		"@odata.type": "#" + g + "fido2AuthenticationMethodConfiguration",
		"id":          "Fido2", "state": enabledState(f.Enabled),
		"isSelfServiceRegistrationAllowed": f.SelfServiceRegistration, "isAttestationEnforced": f.AttestationEnforced,
		"keyRestrictions": map[string]any{"isEnforced": false, "enforcementType": "block", "aaGuids": []string{}},
		"excludeTargets":  []any{}, "includeTargets": allUsers(),
	}
}
