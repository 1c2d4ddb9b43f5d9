package relay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// outbound is the HTTP request an Http action would send.
type outbound struct {
	Method   string
	URI      string
	Headers  map[string]string
	Body     []byte
	AuthType string
	Audience string
}

// forward evaluates the relay's Http action for one incoming request body:
// what a Consumption workflow would send to the function. It models the one
// transformation Logic Apps applies to a JSON trigger body: the Request
// trigger parses it, and the Http action serialises the parsed value again
// (so whitespace and formatting may change, content does not).
func forward(action map[string]any, params map[string]any, incoming []byte) (outbound, error) {
	var parsed any
	dec := json.NewDecoder(bytes.NewReader(incoming))
	dec.UseNumber()
	if err := dec.Decode(&parsed); err != nil {
		return outbound{}, fmt.Errorf("trigger body is not JSON: %w", err)
	}
	fn := funcs{
		"parameters":  lookup(params, "parameter"),
		"triggerbody": constant(parsed),
	}
	in, _ := action["inputs"].(map[string]any)
	var out outbound
	var err error
	str := func(v any) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = workflowString(v, fn)
		return s
	}
	out.Method = str(in["method"])
	out.URI = str(in["uri"])
	out.Headers = map[string]string{}
	if h, ok := in["headers"].(map[string]any); ok {
		for k, v := range h {
			out.Headers[k] = str(v)
		}
	}
	if a, ok := in["authentication"].(map[string]any); ok {
		out.AuthType, out.Audience = str(a["type"]), str(a["audience"])
	}
	if err != nil {
		return outbound{}, err
	}
	body, err := workflowValue(in["body"], fn)
	if err != nil {
		return outbound{}, err
	}
	out.Body, err = json.Marshal(body)
	return out, err
}

// workflowValue evaluates a Logic Apps value: "@expr" is an expression,
// "@@" escapes a literal "@", anything else is a literal.
func workflowValue(v any, fn funcs) (any, error) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "@") || strings.HasPrefix(s, "@@") || strings.HasPrefix(s, "@{") {
		if ok && strings.Contains(s, "@{") {
			return interpolate(s, fn)
		}
		return v, nil
	}
	return evalExpr(s[1:], fn)
}

func workflowString(v any, fn funcs) (string, error) {
	r, err := workflowValue(v, fn)
	if err != nil {
		return "", err
	}
	s, ok := r.(string)
	if !ok {
		return "", fmt.Errorf("value %v is %T, want a string", v, r)
	}
	return s, nil
}

// interpolate replaces each "@{expr}" in s with its string value.
func interpolate(s string, fn funcs) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "@{")
		if i < 0 {
			return b.String() + s, nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated @{ in %q", s)
		}
		v, err := evalExpr(s[i+2:i+j], fn)
		if err != nil {
			return "", err
		}
		fmt.Fprint(&b, s[:i], v)
		s = s[i+j+1:]
	}
}
