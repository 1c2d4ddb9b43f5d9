package graphdouble

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Authentication strengths (v1.0 /policies/authenticationStrengthPolicies):
//   GET    list ($filter on displayName, policyType)  authenticationstrengthroot-list-policies
//   POST   create a custom strength → 201                authenticationstrengthroot-post-policies
//   GET    /{id}                                         authenticationstrengthpolicy-get
//   PATCH  /{id}: displayName and description only → 204 authenticationstrengthpolicy-update
//   POST   /{id}/updateAllowedCombinations → 200         authenticationstrengthpolicy-updateallowedcombinations
// Combinations change only through the action; built-in strengths are
// immutable. At most 15 custom strengths (support documentation).

const maxCustomStrengths = 15

// mfaModes satisfy multifactor authentication on their own; any other
// mode must be combined with a second one ("password,sms").
var mfaModes = []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
	"temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "federatedMultiFactor", "qrCodePin"}

func requirementsSatisfied(combos []string) string {
	for _, c := range combos {
		parts := strings.Split(c, ",")
		if len(parts) == 1 && !slices.Contains(mfaModes, strings.TrimSpace(parts[0])) {
			return "none"
		}
	}
	return "mfa"
}

func renderStrength(a *AuthStrength) map[string]any {
	policyType := a.PolicyType
	if policyType == "" {
		policyType = "custom"
	}
	return map[string]any{
		"id": a.ID, "displayName": a.DisplayName, "description": strOrNil(a.Description),
		"policyType": policyType, "requirementsSatisfied": requirementsSatisfied(a.AllowedCombinations),
		"allowedCombinations": strSlice(a.AllowedCombinations),
		"createdDateTime":     timeOrZero(a.CreatedDateTime), "modifiedDateTime": timeOrZero(a.ModifiedDateTime),
	}
}

// timeOrZero renders a non-nullable DateTimeOffset: Graph shows built-in
// strengths with 0001-01-01 rather than null.
func timeOrZero(t time.Time) any {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(graphTimeLayout)
}

func listStrengths(c *call) {
	c.t.Setup.ensureMicrosoftObjects()
	pageFiltered(c, c.t.Setup.AuthStrengths, renderStrength, "policies/authenticationStrengthPolicies")
}

func getStrength(c *call) {
	c.t.Setup.ensureMicrosoftObjects()
	a := c.t.Setup.strength(c.p["id"])
	if a == nil {
		c.notFound(c.p["id"])
		return
	}
	c.entity(http.StatusOK, "policies/authenticationStrengthPolicies/$entity", renderStrength(a))
}

func postStrength(c *call) {
	s := &c.t.Setup
	s.ensureMicrosoftObjects()
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	a := &AuthStrength{DisplayName: str(body["displayName"]), Description: str(body["description"]),
		PolicyType: "custom", AllowedCombinations: anyStrings(body["allowedCombinations"])}
	switch {
	case strings.TrimSpace(a.DisplayName) == "":
		c.badRequest("displayName is required.")
		return
	case len(a.AllowedCombinations) == 0:
		c.badRequest("allowedCombinations must name at least one combination.")
		return
	case s.customStrengths() >= maxCustomStrengths:
		c.badRequest("The maximum number of custom authentication strength policies has been reached.")
		return
	}
	a.ID = newID()
	a.CreatedDateTime, a.ModifiedDateTime = c.d.now(), c.d.now()
	s.AuthStrengths = append(s.AuthStrengths, a)
	c.entity(http.StatusCreated, "policies/authenticationStrengthPolicies/$entity", renderStrength(a))
}

func (s *SetupState) customStrengths() int {
	n := 0
	for _, a := range s.AuthStrengths {
		if a.PolicyType != "builtIn" {
			n++
		}
	}
	return n
}

// mutableStrength finds a custom strength or answers as Graph does.
func mutableStrength(c *call) *AuthStrength {
	c.t.Setup.ensureMicrosoftObjects()
	a := c.t.Setup.strength(c.p["id"])
	switch {
	case a == nil:
		c.notFound(c.p["id"])
	case a.PolicyType == "builtIn":
		c.badRequest("Built-in authentication strength policies cannot be modified.")
		a = nil
	}
	return a
}

// strengthWrite reads a write to a custom strength: the strength and the
// checked body, or false once it has answered.
func strengthWrite(c *call) (*AuthStrength, map[string]any, bool) {
	a := mutableStrength(c)
	if a == nil {
		return nil, nil, false
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return nil, nil, false
	}
	return a, body, true
}

func patchStrength(c *call) {
	a, body, ok := strengthWrite(c)
	if !ok {
		return
	}
	for k := range body {
		if k != "displayName" && k != "description" && !strings.HasPrefix(k, "@odata.") {
			c.badRequest("Only displayName and description can be updated; change allowedCombinations through updateAllowedCombinations. Property: " + k)
			return
		}
	}
	if v, set := body["displayName"]; set {
		if strings.TrimSpace(str(v)) == "" {
			c.badRequest("displayName cannot be empty.")
			return
		}
		a.DisplayName = str(v)
	}
	if v, set := body["description"]; set {
		a.Description = str(v)
	}
	a.ModifiedDateTime = c.d.now()
	c.noContent()
}

func updateAllowedCombinations(c *call) {
	a, body, ok := strengthWrite(c)
	if !ok {
		return
	}
	combos := anyStrings(body["allowedCombinations"])
	if len(combos) == 0 {
		c.badRequest("allowedCombinations must name at least one combination.")
		return
	}
	previous := a.AllowedCombinations
	a.AllowedCombinations, a.ModifiedDateTime = combos, c.d.now()
	c.entity(http.StatusOK, "microsoft.graph.updateAllowedCombinationsResult", map[string]any{
		"previousCombinations": strSlice(previous), "currentCombinations": strSlice(combos),
		"conditionalAccessReferences": c.t.Setup.policiesUsingStrength(a.ID), "additionalInformation": nil,
	})
}

// anyStrings reads a decoded JSON array of strings.
func anyStrings(v any) []string {
	arr, _ := v.([]any)
	out := []string{}
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
