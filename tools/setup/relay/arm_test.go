package relay

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// deployment is the context ARM would evaluate the template in.
type deployment struct {
	SubscriptionID, TenantID, ResourceGroup, Location string
	Params                                            map[string]any
}

// armTemplate is the part of an ARM template the tests read.
type armTemplate struct {
	Schema     string                    `json:"$schema"`
	Parameters map[string]armParam       `json:"parameters"`
	Variables  map[string]any            `json:"variables"`
	Resources  []map[string]any          `json:"resources"`
	Outputs    map[string]map[string]any `json:"outputs"`
}

type armParam struct {
	Type         string `json:"type"`
	DefaultValue any    `json:"defaultValue"`
}

func loadJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}

// evaluator returns a function that evaluates ARM template values ("[...]"
// expressions, or literals) the way ARM would for d.
func (tpl *armTemplate) evaluator(d deployment) (func(v any) (any, error), error) {
	fn := funcs{
		"subscription":  constant(map[string]any{"subscriptionId": d.SubscriptionID, "tenantId": d.TenantID}),
		"resourcegroup": constant(map[string]any{"name": d.ResourceGroup, "location": d.Location}),
		"format":        format,
	}
	eval := func(v any) (any, error) {
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "[") || strings.HasPrefix(s, "[[") || !strings.HasSuffix(s, "]") {
			return v, nil
		}
		return evalExpr(s[1:len(s)-1], fn)
	}
	params := map[string]any{}
	fn["parameters"] = lookup(params, "parameter")
	for name, p := range tpl.Parameters {
		if v, ok := d.Params[name]; ok {
			params[name] = v
			continue
		}
		if p.DefaultValue == nil {
			return nil, fmt.Errorf("parameter %q has no value and no default", name)
		}
		v, err := eval(p.DefaultValue)
		if err != nil {
			return nil, fmt.Errorf("default of %q: %w", name, err)
		}
		params[name] = v
	}
	vars := map[string]any{}
	fn["variables"] = lookup(vars, "variable")
	for name, raw := range tpl.Variables { // the relay's variables do not refer to each other
		v, err := eval(raw)
		if err != nil {
			return nil, fmt.Errorf("variable %q: %w", name, err)
		}
		vars[name] = v
	}
	return eval, nil
}
