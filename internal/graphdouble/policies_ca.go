package graphdouble

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Conditional Access policies (v1.0 /identity/conditionalAccess/policies):
//   GET list, GET /{id}            conditionalaccessroot-list-policies, conditionalaccesspolicy-get
//   POST → 201                     conditionalaccessroot-post-policies
//   PATCH /{id} → 204              conditionalaccesspolicy-update
// Throttling (learn.microsoft.com/graph/throttling-limits, "Identity
// protection and Conditional Access service limits"): 1 request per second
// per tenant, and the 429 carries no Retry-After. Every route here counts.
// Policies are stored as Graph renders them: every property of the types
// the double models, unset collections as [] and unset objects as null.

const caThrottleWindow = time.Second

// caAdmit applies the tenant-wide 1 request/s limit; a refused request
// changes nothing and is not counted.
func caAdmit(c *call) bool {
	s := &c.t.Setup
	now := c.d.now()
	if !s.lastCA.IsZero() && now.Sub(s.lastCA) < caThrottleWindow {
		c.fail(http.StatusTooManyRequests, "TooManyRequests",
			"Too many requests: Conditional Access allows one request per second per tenant.")
		return false
	}
	s.lastCA = now
	return true
}

func listCAPolicies(c *call) {
	if !caAdmit(c) {
		return
	}
	items := []map[string]any{}
	for _, p := range c.t.Setup.CAPolicies {
		items = append(items, c.renderCAPolicy(p))
	}
	c.page(items, 999, "identity/conditionalAccess/policies")
}

func getCAPolicy(c *call) {
	if !caAdmit(c) {
		return
	}
	p := c.t.Setup.caPolicy(c.p["id"])
	if p == nil {
		c.notFound(c.p["id"])
		return
	}
	c.entity(http.StatusOK, "identity/conditionalAccess/policies/$entity", c.renderCAPolicy(p))
}

func postCAPolicy(c *call) {
	if !caAdmit(c) {
		return
	}
	c.t.Setup.ensureMicrosoftObjects()
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	stored := requestSchema.normalize(g+"conditionalAccessPolicy", body)
	if msg := c.t.Setup.caProblem(stored); msg != "" {
		c.badRequest(msg)
		return
	}
	stored["id"], stored["createdDateTime"], stored["modifiedDateTime"] = newID(), timeOrNil(c.d.now()), nil
	c.t.Setup.CAPolicies = append(c.t.Setup.CAPolicies, stored)
	c.entity(http.StatusCreated, "identity/conditionalAccess/policies/$entity", c.renderCAPolicy(stored))
}

func patchCAPolicy(c *call) {
	if !caAdmit(c) {
		return
	}
	s := &c.t.Setup
	i := slices.IndexFunc(s.CAPolicies, func(p map[string]any) bool { return p["id"] == c.p["id"] })
	if i < 0 {
		c.notFound(c.p["id"])
		return
	}
	body, ok := c.decodeBody()
	if !ok || !c.checkBody(body) {
		return
	}
	for _, ro := range []string{"id", "createdDateTime", "modifiedDateTime"} {
		delete(body, ro)
	}
	// PATCH updates the properties sent; complex properties merge with the
	// stored ones (conditionalaccesspolicy-update's example sends only
	// conditions.signInRiskLevels).
	merged := requestSchema.normalize(g+"conditionalAccessPolicy", mergeJSON(deepCopyJSON(s.CAPolicies[i]), body))
	if msg := s.caProblem(merged); msg != "" {
		c.badRequest(msg)
		return
	}
	merged["id"], merged["createdDateTime"] = s.CAPolicies[i]["id"], s.CAPolicies[i]["createdDateTime"]
	merged["modifiedDateTime"] = timeOrNil(c.d.now())
	s.CAPolicies[i] = merged
	c.noContent()
}

// mergeJSON merges patch into base: objects recursively, anything else
// replaced.
func mergeJSON(base, patch map[string]any) map[string]any {
	for k, v := range patch {
		pm, pIsObj := v.(map[string]any)
		bm, bIsObj := base[k].(map[string]any)
		if pIsObj && bIsObj {
			base[k] = mergeJSON(bm, pm)
			continue
		}
		base[k] = v
	}
	return base
}

// renderCAPolicy expands the authentication strength, as Graph does.
func (c *call) renderCAPolicy(p map[string]any) map[string]any {
	out := deepCopyJSON(p)
	gc, _ := out["grantControls"].(map[string]any)
	if ref, ok := gc["authenticationStrength"].(map[string]any); ok {
		if a := c.t.Setup.strength(str(ref["id"])); a != nil {
			gc["authenticationStrength"] = renderStrength(a)
			gc["authenticationStrength@odata.context"] = c.contextURL(
				"identity/conditionalAccess/policies('" + str(p["id"]) + "')/grantControls/authenticationStrength/$entity")
		}
	}
	return out
}

// policiesUsingStrength lists the ids of policies that require it.
func (s *SetupState) policiesUsingStrength(id string) []string {
	out := []string{}
	for _, p := range s.CAPolicies {
		gc, _ := p["grantControls"].(map[string]any)
		if ref, ok := gc["authenticationStrength"].(map[string]any); ok && str(ref["id"]) == id {
			out = append(out, str(p["id"]))
		}
	}
	return out
}

// userActions are the documented includeUserActions values
// (conditionalaccessapplications resource).
var userActions = []string{"urn:user:registersecurityinfo", "urn:user:registerdevice"}

// caProblem returns why Graph would refuse the policy, or "".
func (s *SetupState) caProblem(p map[string]any) string {
	if strings.TrimSpace(str(p["displayName"])) == "" || p["state"] == nil {
		return "displayName and state are required."
	}
	cond, _ := p["conditions"].(map[string]any)
	users, _ := cond["users"].(map[string]any)
	apps, _ := cond["applications"].(map[string]any)
	switch {
	case users == nil || apps == nil:
		return "conditions.users and conditions.applications are required."
	case len(anyStrings(cond["clientAppTypes"])) == 0:
		return "conditions.clientAppTypes is required."
	case !includesSomeone(users):
		return "conditions.users must include users, groups, roles or guests."
	}
	if msg := checkPrincipals(users); msg != "" {
		return msg
	}
	if msg := checkTargets(apps); msg != "" {
		return msg
	}
	return s.controlsProblem(p)
}

func includesSomeone(users map[string]any) bool {
	return len(anyStrings(users["includeUsers"])) > 0 || len(anyStrings(users["includeGroups"])) > 0 ||
		len(anyStrings(users["includeRoles"])) > 0 || users["includeGuestsOrExternalUsers"] != nil
}

// checkPrincipals: object ids, or the keywords Graph documents for users.
func checkPrincipals(users map[string]any) string {
	for _, k := range []string{"includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles"} {
		for _, id := range anyStrings(users[k]) {
			keyword := strings.HasSuffix(k, "Users") && slices.Contains([]string{"All", "None", "GuestsOrExternalUsers"}, id)
			if !keyword && !guidRE.MatchString(id) {
				return "conditions.users." + k + ": '" + id + "' is not an object id."
			}
		}
	}
	return ""
}

// checkTargets: exactly one of applications, user actions or
// authentication contexts.
func checkTargets(apps map[string]any) string {
	kinds := 0
	for _, k := range []string{"includeApplications", "includeUserActions", "includeAuthenticationContextClassReferences"} {
		if len(anyStrings(apps[k])) > 0 {
			kinds++
		}
	}
	if kinds != 1 {
		return "conditions.applications must include exactly one of applications, user actions or authentication contexts."
	}
	for _, a := range anyStrings(apps["includeUserActions"]) {
		if !slices.Contains(userActions, a) {
			return "conditions.applications.includeUserActions: unknown user action '" + a + "'."
		}
	}
	return ""
}

func (s *SetupState) controlsProblem(p map[string]any) string {
	gc, _ := p["grantControls"].(map[string]any)
	if gc == nil && p["sessionControls"] == nil {
		return "grantControls or sessionControls is required."
	}
	if gc == nil {
		return ""
	}
	if op := str(gc["operator"]); op != "AND" && op != "OR" {
		return "grantControls.operator must be AND or OR."
	}
	ref, hasStrength := gc["authenticationStrength"].(map[string]any)
	if !hasStrength {
		if len(anyStrings(gc["builtInControls"])) == 0 {
			return "grantControls must name a control."
		}
		return ""
	}
	// "Require multifactor authentication" and "Require authentication
	// strength" can't be combined (concept-authentication-strengths).
	if slices.Contains(anyStrings(gc["builtInControls"]), "mfa") {
		return "grantControls: the mfa control and an authentication strength cannot be combined."
	}
	if s.strength(str(ref["id"])) == nil {
		return "grantControls.authenticationStrength: no authentication strength '" + str(ref["id"]) + "'."
	}
	return ""
}
