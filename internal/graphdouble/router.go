package graphdouble

import (
	"net/http"
	"strings"
)

// route is one endpoint. result and body name the Graph types of the answer
// and of the request body; contract_test.go checks real traffic against
// them, so they must be right even though the handlers do not read them.
type route struct {
	method  string
	pattern string // e.g. "/v1.0/users/{user}/manager"
	segs    []string
	handle  func(*call)
	// result: "" (no body), a qualified type, "Collection(type)", or
	// "action:<name>:<binding type>" for an action result wrapped in "value".
	result string
	// body: "" (none), a qualified type, "action:<name>:<binding type>" for
	// action parameters, or "$ref" for an @odata.id reference.
	body string
	// beta marks routes whose shapes come from the beta schema.
	beta bool
}

func newRoute(method, pattern string, h func(*call), result, body string) *route {
	return &route{
		method:  method,
		pattern: pattern,
		segs:    strings.Split(strings.Trim(pattern, "/"), "/"),
		handle:  h,
		result:  result,
		body:    body,
		beta:    strings.HasPrefix(pattern, "/beta/"),
	}
}

// match reports whether path fits the pattern and returns its wildcards.
func (rt *route) match(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// find picks the route for a request. Routes are ordered so literal
// segments ("$ref", "microsoft.graph.user") come before wildcards.
// pathKnown tells a 405 (path exists, method does not) from a 400.
func (d *Double) find(method, path string) (rt *route, params map[string]string, pathKnown bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range d.routes {
		p, ok := r.match(segs)
		if !ok {
			continue
		}
		pathKnown = true
		if r.method == method {
			return r, p, true
		}
	}
	return nil, nil, pathKnown
}

// dispatch runs the matching handler under the tenant lock, or answers as
// Graph does for paths and methods it does not route.
func (d *Double) dispatch(w http.ResponseWriter, r *http.Request, body []byte) {
	rt, params, known := d.find(r.Method, r.URL.Path)
	if rt == nil {
		c := &call{d: d, w: w, r: r}
		if known {
			c.fail(http.StatusMethodNotAllowed, "Request_BadRequest",
				"Specified HTTP method is not allowed for the request target.")
			return
		}
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		c.fail(http.StatusBadRequest, "BadRequest",
			"Resource not found for the segment '"+segs[len(segs)-1]+"'. (graphdouble does not implement this path.)")
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := &call{d: d, w: w, r: r, p: params, body: body, t: d.tenant, rt: rt}
	d.noteShape(rt, r)
	if !c.checkQuery() {
		return
	}
	rt.handle(c)
}
