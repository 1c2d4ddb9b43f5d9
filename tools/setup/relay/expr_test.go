package relay

import (
	"fmt"
	"strconv"
	"strings"
)

// A tiny evaluator for the function-call expressions ARM templates
// ("[format('{0}/', parameters('x'))]") and Logic Apps definitions
// ("@parameters('x')", "@{parameters('x')}/path") share: string and integer
// literals, calls, and ".name" property access. Only the functions the
// relay uses are implemented; anything else is an error, so the tests fail
// loudly instead of guessing when the template grows.

type funcs map[string]func(args []any) (any, error)

type parser struct {
	src string
	pos int
	fn  funcs
}

func evalExpr(src string, fn funcs) (any, error) {
	p := &parser{src: src, fn: fn}
	v, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.skipSpace(); p.pos != len(p.src) {
		return nil, fmt.Errorf("expression %q: trailing input at %d", src, p.pos)
	}
	return v, nil
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *parser) expr() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("expression %q: unexpected end", p.src)
	}
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.str()
	case c >= '0' && c <= '9':
		return p.num()
	default:
		return p.call()
	}
}

func (p *parser) str() (any, error) {
	var b strings.Builder
	for p.pos++; p.pos < len(p.src); p.pos++ {
		if p.src[p.pos] != '\'' {
			b.WriteByte(p.src[p.pos])
			continue
		}
		if p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'' { // '' escapes a quote
			b.WriteByte('\'')
			p.pos++
			continue
		}
		p.pos++
		return b.String(), nil
	}
	return nil, fmt.Errorf("expression %q: unterminated string", p.src)
}

func (p *parser) num() (any, error) {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	return strconv.Atoi(p.src[start:p.pos])
}

func (p *parser) ident() string {
	start := p.pos
	for p.pos < len(p.src) && (isIdent(p.src[p.pos]) || p.pos > start && p.src[p.pos] >= '0' && p.src[p.pos] <= '9') {
		p.pos++
	}
	return p.src[start:p.pos]
}

func isIdent(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *parser) call() (any, error) {
	name := p.ident()
	f, ok := p.fn[strings.ToLower(name)]
	if name == "" || !ok {
		return nil, fmt.Errorf("expression %q: unsupported function %q at %d", p.src, name, p.pos)
	}
	args, err := p.args()
	if err != nil {
		return nil, err
	}
	v, err := f(args)
	if err != nil {
		return nil, fmt.Errorf("%s(): %w", name, err)
	}
	return p.properties(v)
}

func (p *parser) args() ([]any, error) {
	if p.skipSpace(); p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, fmt.Errorf("expression %q: want ( at %d", p.src, p.pos)
	}
	p.pos++
	var args []any
	for {
		if p.skipSpace(); p.pos < len(p.src) && p.src[p.pos] == ')' {
			p.pos++
			return args, nil
		}
		if len(args) > 0 {
			if p.src[p.pos] != ',' {
				return nil, fmt.Errorf("expression %q: want , at %d", p.src, p.pos)
			}
			p.pos++
		}
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
}

func (p *parser) properties(v any) (any, error) {
	for p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		name := p.ident()
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expression %q: .%s on a non-object", p.src, name)
		}
		if v, ok = m[name]; !ok {
			return nil, fmt.Errorf("expression %q: no property %q", p.src, name)
		}
	}
	return v, nil
}

// Shared helpers for function implementations.

func oneString(args []any) (string, error) {
	if len(args) != 1 {
		return "", fmt.Errorf("want 1 argument, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return "", fmt.Errorf("want a string argument, got %T", args[0])
	}
	return s, nil
}

func lookup(m map[string]any, kind string) func([]any) (any, error) {
	return func(args []any) (any, error) {
		name, err := oneString(args)
		if err != nil {
			return nil, err
		}
		v, ok := m[name]
		if !ok {
			return nil, fmt.Errorf("no %s %q", kind, name)
		}
		return v, nil
	}
}

func constant(v any) func([]any) (any, error) {
	return func(args []any) (any, error) {
		if len(args) != 0 {
			return nil, fmt.Errorf("want no arguments")
		}
		return v, nil
	}
}

// format implements ARM's format() for "{n}" placeholders.
func format(args []any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("want a format string")
	}
	f, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("format string is %T", args[0])
	}
	for i, a := range args[1:] {
		f = strings.ReplaceAll(f, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return f, nil
}
