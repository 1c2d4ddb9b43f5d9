package graphdouble

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// A query shape is one request's route and query with the values taken
// out: "GET /v1.0/users/{user}/transitiveMemberOf?$select=id&$top=999".
// The double notes the shape of every request that carries a query, so
// the queries our code sends can be recorded (testdata/product-queries.txt)
// and checked against Graph's documented rules in one place, and a new
// query cannot slip in without being recorded and checked.

var (
	quotedRE   = regexp.MustCompile(`'(?:[^']|'')*'`)
	datetimeRE = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T[0-9:.]+Z\b`)
	// listRE: an in list of any length has one shape.
	listRE = regexp.MustCompile(`'x'(\s*,\s*'x')+`)
)

// advancedMark ends the shape of a request sent with ConsistencyLevel: eventual.
const advancedMark = " [ConsistencyLevel: eventual]"

// queryShape normalises a routed request; "" when it has no query.
func queryShape(rt *route, r *http.Request) string {
	q := r.URL.Query()
	q.Del("$skiptoken") // only ever copied from our own nextLinks
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			v = quotedRE.ReplaceAllString(v, "'x'")
			v = listRE.ReplaceAllString(v, "'x','x'")
			v = datetimeRE.ReplaceAllString(v, "2000-01-01T00:00:00Z")
			parts = append(parts, k+"="+v)
		}
	}
	s := rt.method + " " + rt.pattern + "?" + strings.Join(parts, "&")
	if strings.EqualFold(r.Header.Get("ConsistencyLevel"), "eventual") {
		s += advancedMark
	}
	return s
}

// noteShape records the shape of a request (called under d.mu).
func (d *Double) noteShape(rt *route, r *http.Request) {
	if s := queryShape(rt, r); s != "" {
		if d.shapes == nil {
			d.shapes = map[string]bool{}
		}
		d.shapes[s] = true
	}
}

// QueryShapes returns the distinct query shapes the double has served.
func (d *Double) QueryShapes() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]string, 0, len(d.shapes))
	for s := range d.shapes {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// ReadShapes reads a recording: one shape a line, "#" comments.
func ReadShapes(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

// UnrecordedShapes returns the shapes the double served that are not in
// the recording.
func (d *Double) UnrecordedShapes(recorded []string) []string {
	var out []string
	for _, s := range d.QueryShapes() {
		if !slices.Contains(recorded, s) {
			out = append(out, s)
		}
	}
	return out
}

// CheckShape replays a recorded shape against the route table and the
// documented query rules: "" when Graph would accept it.
func (d *Double) CheckShape(shape string) string {
	method, rest, _ := strings.Cut(shape, " ")
	rest, advanced := strings.CutSuffix(rest, advancedMark)
	pattern, rawQuery, _ := strings.Cut(rest, "?")
	var rt *route
	for _, r := range d.routes {
		if r.method == method && r.pattern == pattern {
			rt = r
		}
	}
	if rt == nil {
		return fmt.Sprintf("no route %s %s", method, pattern)
	}
	q := url.Values{}
	for _, p := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(p, "=")
		q.Add(k, v)
	}
	req, err := http.NewRequest(method, "https://graph.example"+pattern+"?"+q.Encode(), nil)
	if err != nil {
		return err.Error()
	}
	if advanced {
		req.Header.Set("ConsistencyLevel", "eventual")
	}
	rule, ok := queryRules[method+" "+pattern]
	if !ok {
		rule = defaultRule
	}
	return rule.problem(req)
}
