package graphdouble

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Graph answers 400 Request_UnsupportedQuery for query options, filter
// properties and operators a collection does not support, and for advanced
// queries on directory objects sent without ConsistencyLevel: eventual and
// $count=true. The double refuses exactly that, from the table below, so
// a query that works here works in a tenant: a double that accepted more
// than Graph would hide the bug it exists to catch.

// queryRule is what Graph documents for one route's query options.
type queryRule struct {
	// doc is the documentation page the rule is taken from.
	doc string
	// options are the system query options accepted besides $skiptoken
	// (which only ever comes from our own nextLinks).
	options []string
	// filter maps a filterable property to its documented operators:
	// eq, ne, in, ge, le, gt, lt, startswith, endswith, and "any:eq" for
	// a lambda such as targetResources/any(t: t/id eq '…').
	filter map[string][]string
	// filterRequiredOn: the request must filter with eq on one of these
	// properties (PIM for Groups refuses an unscoped list).
	filterRequiredOn []string
	// directory marks directory-object collections, where advanced
	// queries need ConsistencyLevel: eventual and $count=true.
	directory bool
	// castIsAdvanced: an OData cast segment on this collection is an
	// advanced query (memberOf, transitiveMemberOf, members, transitiveMembers).
	castIsAdvanced bool
}

// defaultRule applies to routes without an entry: no $filter, $search,
// $orderby or $count, as for a single entity or the method collections
// ("This method doesn't support OData query parameters").
var defaultRule = queryRule{options: []string{"$select", "$expand", "$top"}}

const (
	docEligibility = "https://learn.microsoft.com/graph/api/resources/unifiedroleeligibilityscheduleinstance"
	docAssignment  = "https://learn.microsoft.com/graph/api/resources/unifiedroleassignment"
	docPIMGroups   = "https://learn.microsoft.com/graph/api/privilegedaccessgroup-list-eligibilityscheduleinstances"
	docAudits      = "https://learn.microsoft.com/graph/api/directoryaudit-list"
	docAdvanced    = "https://learn.microsoft.com/graph/aad-advanced-queries"
)

// queryRules is keyed by "METHOD pattern" as in routes.go. Entries added
// by other files (init) must cite their page too.
var queryRules = map[string]queryRule{
	// principalId and roleDefinitionId: "Supports $filter (eq, ne)", not in.
	"GET " + v1 + "/roleManagement/directory/roleEligibilityScheduleInstances": {
		doc: docEligibility, options: []string{"$select", "$filter", "$top", "$expand"},
		filter: map[string][]string{
			"principalId": {"eq", "ne"}, "roleDefinitionId": {"eq", "ne"}, "directoryScopeId": {"eq", "ne"},
			"appScopeId": {"eq", "ne"}, "memberType": {"eq", "ne"}, "roleEligibilityScheduleId": {"eq", "ne"},
		},
	},
	// principalId, roleDefinitionId, directoryScopeId, appScopeId:
	// "Supports $filter (eq, in)".
	"GET " + v1 + "/roleManagement/directory/roleAssignments": {
		doc: docAssignment, options: []string{"$select", "$filter", "$top", "$expand"},
		filter: map[string][]string{
			"principalId": {"eq", "in"}, "roleDefinitionId": {"eq", "in"},
			"directoryScopeId": {"eq", "in"}, "appScopeId": {"eq", "in"},
		},
	},
	// "This method requires the $filter (eq) query parameter to scope the
	// request to a principalId or a groupId."
	"GET " + v1 + "/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances": {
		doc: docPIMGroups, options: []string{"$select", "$filter", "$expand"},
		filter: map[string][]string{
			"principalId": {"eq"}, "groupId": {"eq"}, "accessId": {"eq"}, "memberType": {"eq"},
		},
		filterRequiredOn: []string{"principalId", "groupId"},
	},
	// "$filter (eq, ge, le, startswith), $top, $orderby, and skiptoken";
	// the filterable properties are those of the directoryAudit resource.
	"GET " + v1 + "/auditLogs/directoryAudits": {
		doc: docAudits, options: []string{"$filter", "$top", "$orderby"},
		filter: map[string][]string{
			"activityDateTime": {"eq", "ge", "le"}, "activityDisplayName": {"eq", "startswith"},
			"category": {"eq"}, "correlationId": {"eq"}, "id": {"eq"}, "loggedByService": {"eq"},
			"result": {"eq"}, "initiatedBy/user/id": {"eq"}, "initiatedBy/user/displayName": {"eq"},
			"initiatedBy/user/userPrincipalName": {"eq", "startswith"}, "initiatedBy/app/appId": {"eq"},
			"initiatedBy/app/displayName": {"eq"}, "targetResources/id": {"any:eq"},
			"targetResources/displayName": {"any:eq", "any:startswith"},
		},
	},
}

func init() {
	// Directory-object collections: $select, $top, $count, $search and
	// $filter; casts, $count, $search, ne/not/endswith are advanced queries
	// ("ConsistencyLevel: eventual. This header and $count are required
	// when using the $search, $filter, $orderby, or OData cast query
	// parameters", user-list-transitivememberof, group-list-members).
	dirRule := queryRule{
		doc: docAdvanced, options: []string{"$select", "$top", "$count", "$search", "$filter", "$orderby"},
		filter: map[string][]string{
			"displayName": {"eq", "ne", "in", "startswith", "endswith"}, "id": {"eq", "ne", "in"},
			"isAssignableToRole": {"eq", "ne"}, "securityEnabled": {"eq", "ne"}, "mailEnabled": {"eq", "ne"},
			"accountEnabled": {"eq", "ne"}, "userType": {"eq", "ne", "in"},
		},
		directory: true, castIsAdvanced: true,
	}
	for _, coll := range []string{"/users/{user}/memberOf", "/users/{user}/transitiveMemberOf",
		"/groups/{group}/members", "/groups/{group}/transitiveMembers"} {
		for _, cast := range []string{"", "/" + g + "group", "/" + g + "directoryRole", "/" + g + "user"} {
			queryRules["GET "+v1+coll+cast] = dirRule
		}
	}
}

// advancedOptions are the options that make a directory query advanced.
var advancedOptions = []string{"$count", "$search", "$orderby"}

// advancedOperators make a $filter advanced on directory objects.
var advancedOperators = []string{"ne", "not", "endswith"}

// checkQuery answers 400 for what Graph would refuse and reports whether
// the request may go on.
func (c *call) checkQuery() bool {
	rule, ok := queryRules[c.rt.method+" "+c.rt.pattern]
	if !ok {
		rule = defaultRule
	}
	if msg := rule.problem(c.r); msg != "" {
		c.fail(http.StatusBadRequest, "Request_UnsupportedQuery", msg)
		return false
	}
	return true
}

// problem returns why Graph would refuse the request's query, or "".
func (rule queryRule) problem(r *http.Request) string {
	q := r.URL.Query()
	advanced := rule.castIsAdvanced && strings.HasPrefix(lastSegment(r.URL.Path), g)
	for name := range q {
		if !strings.HasPrefix(name, "$") || name == "$skiptoken" {
			continue
		}
		if !slices.Contains(rule.options, name) {
			return fmt.Sprintf("Unsupported query option '%s' on this collection (%s).", name, rule.docOrDefault())
		}
		advanced = advanced || slices.Contains(advancedOptions, name)
	}
	if raw := q.Get("$filter"); raw != "" {
		usesAdvanced, msg := rule.checkFilter(raw)
		if msg != "" {
			return msg
		}
		advanced = advanced || usesAdvanced
	} else if len(rule.filterRequiredOn) > 0 {
		return fmt.Sprintf("This collection requires $filter on %s (%s).", strings.Join(rule.filterRequiredOn, " or "), rule.doc)
	}
	if rule.directory && advanced && !advancedHeaders(r) {
		return "Unsupported Query. This query is an advanced query: it requires the ConsistencyLevel: eventual header and $count=true (" + docAdvanced + ")."
	}
	return ""
}

func (rule queryRule) docOrDefault() string {
	if rule.doc == "" {
		return "https://learn.microsoft.com/graph/query-parameters"
	}
	return rule.doc
}

func advancedHeaders(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("ConsistencyLevel"), "eventual") &&
		strings.EqualFold(r.URL.Query().Get("$count"), "true")
}

// checkFilter parses a $filter and checks every property and operator
// against the rule.
func (rule queryRule) checkFilter(raw string) (advanced bool, msg string) {
	x, err := parseFilter(raw)
	if err != nil {
		return false, "Invalid filter clause: " + err.Error()
	}
	uses := filterUses(x)
	scoped := len(rule.filterRequiredOn) == 0
	for _, u := range uses {
		if u.prop == notProp {
			if !rule.directory { // only directory objects document not (as an advanced query)
				return false, "Unsupported filter clause: operator 'not' (" + rule.docOrDefault() + ")."
			}
			advanced = true
			continue
		}
		ops, known := rule.filter[u.prop]
		if !known {
			return false, fmt.Sprintf("Unsupported filter property '%s' (%s).", u.prop, rule.docOrDefault())
		}
		if !slices.Contains(ops, u.op) {
			return false, fmt.Sprintf("Unsupported filter clause: operator '%s' on '%s'; documented: %s (%s).",
				u.op, u.prop, strings.Join(ops, ", "), rule.docOrDefault())
		}
		advanced = advanced || slices.Contains(advancedOperators, u.op)
		scoped = scoped || (u.op == "eq" && slices.Contains(rule.filterRequiredOn, u.prop))
	}
	if !scoped {
		return false, fmt.Sprintf("This collection requires $filter with eq on %s (%s).", strings.Join(rule.filterRequiredOn, " or "), rule.doc)
	}
	return advanced, ""
}

// filterUse is one property and operator a filter applies.
type filterUse struct{ prop, op string }

// notProp stands for the property of a "not": it applies to a clause.
const notProp = "(clause)"

// filterUses lists the (property, operator) pairs of a parsed filter. A
// lambda's body is reported against the collection's path with "any:" or
// "all:" before the operator; "not" is reported as its own operator.
func filterUses(x filterExpr) []filterUse {
	switch v := x.(type) {
	case boolOp:
		return append(filterUses(v.l), filterUses(v.r)...)
	case notOp:
		return append([]filterUse{{prop: notProp, op: "not"}}, filterUses(v.x)...)
	case comparison:
		return []filterUse{{v.path, v.op}}
	case inList:
		return []filterUse{{v.path, "in"}}
	case startsWith:
		return []filterUse{{v.path, "startswith"}}
	case lambda:
		kind := "any:"
		if v.all {
			kind = "all:"
		}
		var out []filterUse
		for _, u := range filterUses(v.body) {
			inner, _ := strings.CutPrefix(u.prop, v.variable+"/")
			out = append(out, filterUse{v.path + "/" + inner, kind + u.op})
		}
		return out
	}
	return nil
}

func lastSegment(p string) string {
	return p[strings.LastIndex(p, "/")+1:]
}
