package graphdouble

import "strings"

// Graph shows a phone method's number in full only to callers allowed to
// read it (a Privileged Authentication Administrator, or an application
// permission); others get it masked down to the country code and the last
// two digits (graph-api.md §4, from the phoneAuthMFA runbook's notes). The
// exact mask characters are UNVERIFIED; the double uses "+1 XXXXXXXX34", and
// our comparison accepts other mask characters too (internal/phonesync).
// Options.MaskPhoneNumbers turns this on for every answer.

const phoneGraphType = "#" + g + "phoneAuthenticationMethod"

// maskPhones masks phoneNumber in a rendered phone method, or in every
// phone method of a collection answer ("value"). It changes v in place:
// renderers build fresh maps per answer, never the tenant's own state.
func maskPhones(v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	if items, ok := obj["value"].([]map[string]any); ok {
		for _, it := range items {
			maskPhone(it)
		}
	}
	maskPhone(obj)
}

func maskPhone(obj map[string]any) {
	if obj["@odata.type"] != phoneGraphType {
		return
	}
	if n, ok := obj["phoneNumber"].(string); ok {
		obj["phoneNumber"] = MaskPhoneNumber(n)
	}
}

// MaskPhoneNumber turns "+1 4255550109x12" into "+1 XXXXXXXX09": the
// country code and the last two digits of the number stay, the extension
// goes. Anything not in Graph's format is masked whole.
func MaskPhoneNumber(n string) string {
	cc, rest, ok := strings.Cut(n, " ")
	if !ok {
		return strings.Repeat("X", len(n))
	}
	national, _, _ := strings.Cut(rest, "x")
	if len(national) <= 2 {
		return cc + " " + national
	}
	return cc + " " + strings.Repeat("X", len(national)-2) + national[len(national)-2:]
}
