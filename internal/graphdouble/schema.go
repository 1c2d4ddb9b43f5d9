package graphdouble

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// edmSchema is the slice of an OData CSDL model the double needs. The
// double builds a small one by hand (requestSchema) to reject request
// bodies Graph would reject; contract_test.go builds the full one from
// Microsoft's CSDL and checks both the hand-built schema and the double's
// answers against it with the same checker.
type edmSchema struct {
	types   map[string]*edmType
	enums   map[string]*edmEnum
	actions []*edmAction
}

// documentedAbstract are abstract types Graph's documentation names as the
// @odata.type of a value, and Graph accepts so (each entry cites its page).
var documentedAbstract = map[string]bool{}

type edmType struct {
	name     string // qualified, e.g. "microsoft.graph.user"
	base     string // qualified, or ""
	abstract bool
	complex  bool
	// bag marks an open type that declares no properties at all (WebAuthn
	// extension inputs and outputs): any member is allowed. Other open
	// types are checked strictly, since the point is to catch misspelt names.
	bag   bool
	props map[string]edmProp
}

type edmProp struct {
	typ      string // qualified, e.g. "Edm.String", "Collection(microsoft.graph.recipient)"
	nullable bool
	nav      bool
}

type edmEnum struct {
	members map[string]bool
	flags   bool
}

type edmAction struct {
	name    string
	binding string // qualified type of the binding parameter
	params  []edmParam
}

type edmParam struct {
	name     string
	typ      string
	nullable bool
}

func newEdmSchema() *edmSchema {
	return &edmSchema{types: map[string]*edmType{}, enums: map[string]*edmEnum{}}
}

// prop finds a property on typ or one of its base types.
func (s *edmSchema) prop(typ, name string) (edmProp, bool) {
	for t := s.types[typ]; t != nil; t = s.types[t.base] {
		if p, ok := t.props[name]; ok {
			return p, true
		}
	}
	return edmProp{}, false
}

// derives reports whether typ is base or inherits from it.
func (s *edmSchema) derives(typ, base string) bool {
	for t := s.types[typ]; t != nil; t = s.types[t.base] {
		if t.name == base {
			return true
		}
	}
	return false
}

// action finds a bound action by name whose binding type is binding or a
// base of it.
func (s *edmSchema) action(name, binding string) *edmAction {
	for _, a := range s.actions {
		if a.name == name && s.derives(binding, a.binding) {
			return a
		}
	}
	return nil
}

// checkBody validates a request body of a route's body kind (see route).
func (s *edmSchema) checkBody(kind string, m map[string]any) error {
	var errs []string
	switch {
	case kind == "$ref":
		errs = checkRef(m)
	case strings.HasPrefix(kind, "action:"):
		parts := strings.SplitN(kind, ":", 3)
		a := s.action(parts[1], parts[2])
		if a == nil {
			return fmt.Errorf("graphdouble: no action %s bound to %s", parts[1], parts[2])
		}
		errs = s.checkParams(a, m)
	default:
		errs = s.check(kind, m, "", false)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", errs[0])
	}
	return nil
}

func checkRef(m map[string]any) []string {
	var errs []string
	if id, ok := m["@odata.id"].(string); !ok || id == "" {
		errs = append(errs, "A reference requires a non-empty '@odata.id'.")
	}
	for k := range m {
		if k != "@odata.id" {
			errs = append(errs, fmt.Sprintf("The property '%s' does not exist on a reference payload.", k))
		}
	}
	return errs
}

// checkParams matches action parameters case-insensitively: the CSDL and
// the Go SDK spell sendMail's "Message", the docs "message"; Graph takes
// both.
func (s *edmSchema) checkParams(a *edmAction, m map[string]any) []string {
	var errs []string
	for _, k := range sortedKeys(m) {
		var p *edmParam
		for i := range a.params {
			if strings.EqualFold(a.params[i].name, k) {
				p = &a.params[i]
			}
		}
		if p == nil {
			errs = append(errs, fmt.Sprintf("The parameter '%s' in the request payload is not a valid parameter for the operation '%s'.", k, a.name))
			continue
		}
		errs = append(errs, s.check(p.typ, m[k], k, p.nullable)...)
	}
	return errs
}

// check validates one JSON value against a type, returning readable
// problems with their JSON path.
func (s *edmSchema) check(typ string, v any, path string, nullable bool) []string {
	if v == nil {
		if nullable {
			return nil
		}
		return []string{fmt.Sprintf("%s: null for a non-nullable %s", orRoot(path), typ)}
	}
	if inner, ok := strings.CutPrefix(typ, "Collection("); ok {
		return s.checkCollection(strings.TrimSuffix(inner, ")"), v, path)
	}
	if strings.HasPrefix(typ, "Edm.") {
		return checkPrimitive(typ, v, path)
	}
	if e := s.enums[typ]; e != nil {
		return e.check(typ, v, path)
	}
	if s.types[typ] != nil {
		return s.checkObject(typ, v, path)
	}
	return []string{fmt.Sprintf("%s: unknown type %s", orRoot(path), typ)}
}

func (s *edmSchema) checkCollection(elem string, v any, path string) []string {
	arr, ok := v.([]any)
	if !ok {
		return []string{fmt.Sprintf("%s: want a JSON array of %s, got %T", orRoot(path), elem, v)}
	}
	var errs []string
	for i, e := range arr {
		errs = append(errs, s.check(elem, e, fmt.Sprintf("%s[%d]", path, i), false)...)
	}
	return errs
}

func (s *edmSchema) checkObject(declared string, v any, path string) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: want a JSON object of %s, got %T", orRoot(path), declared, v)}
	}
	actual, named := declared, false
	if t, ok := m["@odata.type"].(string); ok {
		actual, named = strings.TrimPrefix(t, "#"), true
		if !s.derives(actual, declared) {
			return []string{fmt.Sprintf("%s: @odata.type %s is not %s or derived from it", orRoot(path), t, declared)}
		}
	}
	if s.types[actual].abstract && !(named && documentedAbstract[actual]) {
		return []string{fmt.Sprintf("%s: abstract type %s needs an @odata.type", orRoot(path), actual)}
	}
	var errs []string
	for _, k := range sortedKeys(m) {
		errs = append(errs, s.checkMember(actual, m, k, path)...)
	}
	return errs
}

func (s *edmSchema) checkMember(typ string, m map[string]any, k, path string) []string {
	sub := k
	if path != "" {
		sub = path + "." + k
	}
	if strings.HasPrefix(k, "@odata.") {
		return nil // instance annotations: type, context, id, nextLink...
	}
	name := k
	if i := strings.Index(k, "@"); i > 0 {
		name = k[:i] // property annotation such as members@odata.bind
	}
	p, ok := s.prop(typ, name)
	if !ok && s.types[typ].bag {
		return nil
	}
	if !ok {
		return []string{fmt.Sprintf("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", name, typ)}
	}
	if name != k {
		return nil
	}
	return s.check(p.typ, m[k], sub, p.nullable)
}

func (e *edmEnum) check(typ string, v any, path string) []string {
	str, ok := v.(string)
	if !ok {
		return []string{fmt.Sprintf("%s: want a %s member name, got %T", orRoot(path), typ, v)}
	}
	names := []string{str}
	if e.flags {
		names = strings.Split(str, ",")
	}
	for _, n := range names {
		if !e.members[strings.TrimSpace(n)] {
			return []string{fmt.Sprintf("%s: %q is not a member of %s", orRoot(path), str, typ)}
		}
	}
	return nil
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkPrimitive(typ string, v any, path string) []string {
	bad := func(want string) []string {
		return []string{fmt.Sprintf("%s: want %s for %s, got %T %v", orRoot(path), want, typ, v, v)}
	}
	switch typ {
	case "Edm.Untyped", "Edm.Stream":
		return nil
	case "Edm.Boolean":
		if _, ok := v.(bool); !ok {
			return bad("a JSON boolean")
		}
		return nil
	case "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte":
		if !isInteger(v, typ) {
			return bad("an integral JSON number in range")
		}
		return nil
	case "Edm.Double", "Edm.Single", "Edm.Decimal":
		if _, ok := asFloat(v); !ok {
			return bad("a JSON number")
		}
		return nil
	}
	str, ok := v.(string)
	if !ok {
		return bad("a JSON string")
	}
	if !stringFits(typ, str) {
		return bad("a well-formed string")
	}
	return nil
}

func stringFits(typ, s string) bool {
	switch typ {
	case "Edm.Guid":
		return guidRE.MatchString(s)
	case "Edm.DateTimeOffset":
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	case "Edm.Date":
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	case "Edm.Duration":
		return strings.HasPrefix(s, "P") || strings.HasPrefix(s, "-P")
	case "Edm.Binary":
		_, e1 := base64.StdEncoding.DecodeString(s)
		_, e2 := base64.RawURLEncoding.DecodeString(s)
		return e1 == nil || e2 == nil
	}
	return true // Edm.String, Edm.TimeOfDay, ...
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

func isInteger(v any, typ string) bool {
	f, ok := asFloat(v)
	if !ok || f != math.Trunc(f) {
		return false
	}
	if n, isNum := v.(json.Number); isNum {
		if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
			return false
		}
	}
	limits := map[string]float64{"Edm.Int16": math.MaxInt16, "Edm.Int32": math.MaxInt32, "Edm.Byte": 255, "Edm.SByte": 127, "Edm.Int64": math.MaxInt64}
	return math.Abs(f) <= limits[typ]+1
}

func orRoot(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
