package graphdouble

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A small OData $filter evaluator over rendered JSON objects. It covers
// the forms our code and Graph's docs use: eq/ne/gt/ge/lt/le, in (...),
// and/or/not, parentheses, startswith(), and any()/all() lambdas such as
// targetResources/any(t: t/id eq '...'). Anything else is a 400, as an
// unsupported filter is in Graph.

type filterExpr interface {
	eval(e filterEnv) bool
}

type filterEnv struct {
	root map[string]any
	vars map[string]any
}

// parseFilter parses a $filter value.
func parseFilter(s string) (filterExpr, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks}
	x, err := p.or()
	if err != nil {
		return nil, err
	}
	if !p.done() {
		return nil, fmt.Errorf("unexpected %q", p.peek().text)
	}
	return x, nil
}

// matchFilter reports whether obj satisfies x (nil x matches everything).
func matchFilter(x filterExpr, obj map[string]any) bool {
	return x == nil || x.eval(filterEnv{root: obj})
}

type tokKind int

const (
	tokWord tokKind = iota
	tokString
	tokPunct
)

type token struct {
	kind tokKind
	text string
}

func lexFilter(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case strings.IndexByte("(),:", c) >= 0:
			toks = append(toks, token{tokPunct, string(c)})
			i++
		case c == '\'':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, str})
			i += n
		default:
			n := lexWord(s[i:])
			toks = append(toks, token{tokWord, s[i : i+n]})
			i += n
		}
	}
	return toks, nil
}

// lexString reads a quoted literal; a doubled quote stands for one quote.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, errors.New("unterminated string literal")
}

// lexWord reads a name, path or bare literal. A ':' belongs to the word
// only in literals that start with a digit (DateTimeOffset values).
func lexWord(s string) int {
	digit := unicode.IsDigit(rune(s[0]))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '(' || c == ')' || c == ',' || c == '\'' || (c == ':' && !digit) {
			return i
		}
	}
	return len(s)
}

type filterParser struct {
	toks []token
	pos  int
}

func (p *filterParser) done() bool { return p.pos >= len(p.toks) }

func (p *filterParser) peek() token {
	if p.done() {
		return token{tokPunct, "<end>"}
	}
	return p.toks[p.pos]
}

func (p *filterParser) next() token { t := p.peek(); p.pos++; return t }

func (p *filterParser) keyword(w string) bool {
	t := p.peek()
	if t.kind == tokWord && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) expect(punct string) error {
	if t := p.next(); t.kind != tokPunct || t.text != punct {
		return fmt.Errorf("expected %q, got %q", punct, t.text)
	}
	return nil
}

type boolOp struct {
	and  bool
	l, r filterExpr
}

func (b boolOp) eval(e filterEnv) bool {
	if b.and {
		return b.l.eval(e) && b.r.eval(e)
	}
	return b.l.eval(e) || b.r.eval(e)
}

type notOp struct{ x filterExpr }

func (n notOp) eval(e filterEnv) bool { return !n.x.eval(e) }

func (p *filterParser) or() (filterExpr, error) {
	l, err := p.and()
	for err == nil && p.keyword("or") {
		var r filterExpr
		if r, err = p.and(); err == nil {
			l = boolOp{false, l, r}
		}
	}
	return l, err
}

func (p *filterParser) and() (filterExpr, error) {
	l, err := p.unary()
	for err == nil && p.keyword("and") {
		var r filterExpr
		if r, err = p.unary(); err == nil {
			l = boolOp{true, l, r}
		}
	}
	return l, err
}

func (p *filterParser) unary() (filterExpr, error) {
	if p.keyword("not") {
		x, err := p.unary()
		return notOp{x}, err
	}
	if t := p.peek(); t.kind == tokPunct && t.text == "(" {
		p.next()
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	}
	return p.primary()
}

func (p *filterParser) primary() (filterExpr, error) {
	t := p.next()
	if t.kind != tokWord {
		return nil, fmt.Errorf("expected a property, got %q", t.text)
	}
	if strings.EqualFold(t.text, "startswith") {
		return p.startsWith()
	}
	lower := strings.ToLower(t.text)
	if strings.HasSuffix(lower, "/any") || strings.HasSuffix(lower, "/all") {
		return p.lambda(t.text[:len(t.text)-4], strings.HasSuffix(lower, "/all"))
	}
	op := strings.ToLower(p.next().text)
	if op == "in" {
		return p.in(t.text)
	}
	if _, ok := compareOps[op]; !ok {
		return nil, fmt.Errorf("unsupported operator %q", op)
	}
	lit, err := p.literal()
	return comparison{path: t.text, op: op, lit: lit}, err
}

type startsWith struct {
	path   string
	prefix string
}

func (s startsWith) eval(e filterEnv) bool {
	v, _ := e.resolve(s.path).(string)
	return strings.HasPrefix(strings.ToLower(v), strings.ToLower(s.prefix))
}

func (p *filterParser) startsWith() (filterExpr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	path := p.next()
	if err := p.expect(","); err != nil {
		return nil, err
	}
	lit := p.next()
	if path.kind != tokWord || lit.kind != tokString {
		return nil, errors.New("startswith takes a property and a string")
	}
	return startsWith{path.text, lit.text}, p.expect(")")
}

type lambda struct {
	path     string
	variable string
	all      bool
	body     filterExpr
}

func (l lambda) eval(e filterEnv) bool {
	items, _ := e.resolve(l.path).([]any)
	for _, it := range items {
		vars := map[string]any{l.variable: it}
		for k, v := range e.vars {
			if k != l.variable {
				vars[k] = v
			}
		}
		ok := l.body.eval(filterEnv{root: e.root, vars: vars})
		if ok != l.all {
			return ok
		}
	}
	return l.all
}

func (p *filterParser) lambda(path string, all bool) (filterExpr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	v := p.next()
	if v.kind != tokWord {
		return nil, errors.New("expected a lambda variable")
	}
	if err := p.expect(":"); err != nil {
		return nil, err
	}
	body, err := p.or()
	if err != nil {
		return nil, err
	}
	return lambda{path: path, variable: v.text, all: all, body: body}, p.expect(")")
}

type inList struct {
	path string
	lits []literal
}

func (in inList) eval(e filterEnv) bool {
	v := e.resolve(in.path)
	for _, l := range in.lits {
		if c, ok := l.compare(v); ok && c == 0 {
			return true
		}
	}
	return false
}

func (p *filterParser) in(path string) (filterExpr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var lits []literal
	for {
		l, err := p.literal()
		if err != nil {
			return nil, err
		}
		lits = append(lits, l)
		if t := p.next(); t.text == ")" && t.kind == tokPunct {
			return inList{path, lits}, nil
		} else if t.text != "," {
			return nil, fmt.Errorf("expected ',' or ')' in list, got %q", t.text)
		}
	}
}

var compareOps = map[string]func(int) bool{
	"eq": func(c int) bool { return c == 0 },
	"ne": func(c int) bool { return c != 0 },
	"gt": func(c int) bool { return c > 0 },
	"ge": func(c int) bool { return c >= 0 },
	"lt": func(c int) bool { return c < 0 },
	"le": func(c int) bool { return c <= 0 },
}

type comparison struct {
	path string
	op   string
	lit  literal
}

func (c comparison) eval(e filterEnv) bool {
	v := e.resolve(c.path)
	res, ok := c.lit.compare(v)
	if !ok {
		return c.op == "ne"
	}
	return compareOps[c.op](res)
}

// literal is a constant on the right of an operator.
type literal struct {
	str    *string
	num    *float64
	b      *bool
	t      *time.Time
	isNull bool
}

func (p *filterParser) literal() (literal, error) {
	t := p.next()
	if t.kind == tokString {
		return literal{str: &t.text}, nil
	}
	if t.kind != tokWord {
		return literal{}, fmt.Errorf("expected a value, got %q", t.text)
	}
	switch w := strings.ToLower(t.text); {
	case w == "null":
		return literal{isNull: true}, nil
	case w == "true" || w == "false":
		b := w == "true"
		return literal{b: &b}, nil
	}
	if ts, err := time.Parse(time.RFC3339, t.text); err == nil {
		return literal{t: &ts}, nil
	}
	if f, err := strconv.ParseFloat(t.text, 64); err == nil {
		return literal{num: &f}, nil
	}
	if guidRE.MatchString(t.text) {
		return literal{str: &t.text}, nil
	}
	return literal{}, fmt.Errorf("unsupported literal %q", t.text)
}

// compare orders v against the literal; ok is false when incomparable.
// Strings compare case-insensitively, as Graph's directory filters do.
func (l literal) compare(v any) (int, bool) {
	switch {
	case l.isNull:
		if v == nil {
			return 0, true
		}
		return 1, true
	case l.t != nil:
		s, _ := v.(string)
		vt, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return 0, false
		}
		return vt.Compare(*l.t), true
	case l.str != nil:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(strings.ToLower(s), strings.ToLower(*l.str)), true
	case l.num != nil:
		f, ok := asFloat(v)
		if !ok {
			return 0, false
		}
		return cmpFloat(f, *l.num), true
	case l.b != nil:
		b, ok := v.(bool)
		if !ok || b != *l.b {
			return 1, ok
		}
		return 0, true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// resolve walks a path like "initiatedBy/user/id" or "t/id" (t a lambda
// variable) through nested JSON objects.
func (e filterEnv) resolve(path string) any {
	segs := strings.Split(path, "/")
	var cur any = e.root
	if v, ok := e.vars[segs[0]]; ok {
		cur, segs = v, segs[1:]
	}
	for _, s := range segs {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[s]
	}
	return cur
}
