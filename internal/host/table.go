package host

import "fmt"

// table is the installed function table with its lookups.
type table struct {
	fns    []Function
	byName map[string]*Function
	routes []httpRoute // HTTP functions, in table order
}

type httpRoute struct {
	fn   *Function
	tmpl *routeTemplate
}

func newTable(fns []Function) (*table, error) {
	if err := ValidateFunctions(fns); err != nil {
		return nil, err
	}
	t := &table{fns: append([]Function(nil), fns...), byName: map[string]*Function{}}
	for i := range t.fns {
		fn := &t.fns[i]
		t.byName[fn.Name] = fn
		if fn.HTTP == nil {
			continue
		}
		tmpl, err := parseRoute(fn.route())
		if err != nil {
			return nil, fmt.Errorf("function %q: %w", fn.Name, err)
		}
		t.routes = append(t.routes, httpRoute{fn: fn, tmpl: tmpl})
	}
	return t, nil
}

// lookupRoute finds the HTTP function for an escaped path and method. found
// without fn means the path exists but not for this method (405).
func (t *table) lookupRoute(path, method string) (fn *Function, params map[string]string, found bool) {
	for _, r := range t.routes {
		p, ok := r.tmpl.match(path)
		if !ok {
			continue
		}
		found = true
		if r.fn.allows(method) {
			return r.fn, p, true
		}
	}
	return nil, nil, found
}
