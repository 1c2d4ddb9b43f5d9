package host

import (
	"fmt"
	"net/url"
	"strings"
)

// routeTemplate is a parsed function.json route such as "users/{id}/tap",
// "jobs/{id?}" or "files/{*rest}". Literals match case-insensitively, as in
// ASP.NET routing. Constraints ("{id:int}") are accepted but not enforced:
// the host has already applied them before forwarding.
type routeTemplate struct {
	raw  string
	segs []routeSeg
}

type routeSeg struct {
	lit      string // literal text when param == ""
	param    string
	optional bool // {name?}: may be missing at the end
	catchAll bool // {*name}: takes the rest of the path
}

func parseRoute(raw string) (*routeTemplate, error) {
	t := &routeTemplate{raw: raw}
	if raw == "" {
		return t, nil
	}
	parts := strings.Split(raw, "/")
	for i, p := range parts {
		seg, err := parseSeg(p)
		if err != nil {
			return nil, fmt.Errorf("route %q: %w", raw, err)
		}
		if seg.catchAll && i != len(parts)-1 {
			return nil, fmt.Errorf("route %q: catch-all must be last", raw)
		}
		t.segs = append(t.segs, seg)
	}
	return t, nil
}

func parseSeg(p string) (routeSeg, error) {
	if !strings.HasPrefix(p, "{") {
		if p == "" || strings.ContainsAny(p, "{}") {
			return routeSeg{}, fmt.Errorf("bad segment %q", p)
		}
		return routeSeg{lit: p}, nil
	}
	if !strings.HasSuffix(p, "}") {
		return routeSeg{}, fmt.Errorf("bad parameter %q", p)
	}
	name := p[1 : len(p)-1]
	seg := routeSeg{}
	if rest, ok := strings.CutPrefix(name, "*"); ok {
		seg.catchAll, name = true, rest
	}
	name, _, _ = strings.Cut(name, ":") // drop the constraint
	if rest, ok := strings.CutSuffix(name, "?"); ok {
		seg.optional, name = true, rest
	}
	if name == "" {
		return routeSeg{}, fmt.Errorf("empty parameter name in %q", p)
	}
	seg.param = name
	return seg, nil
}

// match matches an escaped path (after the prefix, no leading slash) and
// returns the unescaped route parameters.
func (t *routeTemplate) match(path string) (map[string]string, bool) {
	path = strings.Trim(path, "/")
	var parts []string
	if path != "" {
		parts = strings.Split(path, "/")
	}
	params := map[string]string{}
	for i, seg := range t.segs {
		if seg.catchAll {
			return params, setParam(params, seg.param, strings.Join(parts[min(i, len(parts)):], "/"))
		}
		if i >= len(parts) {
			return params, seg.optional && i == len(t.segs)-1
		}
		if !matchSeg(seg, parts[i], params) {
			return nil, false
		}
	}
	return params, len(parts) == len(t.segs)
}

func matchSeg(seg routeSeg, part string, params map[string]string) bool {
	if seg.param == "" {
		lit, err := url.PathUnescape(part)
		return err == nil && strings.EqualFold(lit, seg.lit)
	}
	return setParam(params, seg.param, part)
}

// setParam stores an unescaped value; a bad escape does not match.
func setParam(params map[string]string, name, escaped string) bool {
	v, err := url.PathUnescape(escaped)
	if err != nil {
		return false
	}
	params[name] = v
	return true
}

// MatchRoute matches a path after the route prefix (escaped, as on the
// wire) against a function.json route template and returns the unescaped
// route parameters. The host simulator uses it to fill Params as the host
// does.
func MatchRoute(template, path string) (params map[string]string, ok bool, err error) {
	t, err := parseRoute(strings.Trim(template, "/"))
	if err != nil {
		return nil, false, err
	}
	params, ok = t.match(path)
	return params, ok, nil
}
