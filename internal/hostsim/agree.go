package hostsim

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/host"
)

// CheckTable reports every disagreement between the function.json files
// and the handler's function table: a function on one side only, or a
// different trigger kind or name, route, methods, http output name or
// output binding names. The host routes by function.json; the handler by
// its table; a mismatch is a 404 or a dropped output in production.
func (s *Sim) CheckTable(fns []host.Function) error {
	var errs []error
	seen := map[string]bool{}
	for i := range fns {
		f := &fns[i]
		seen[f.Name] = true
		def := s.fns[f.Name]
		if def == nil {
			errs = append(errs, fmt.Errorf("%s: in the table but no %s/function.json", f.Name, f.Name))
			continue
		}
		errs = append(errs, agree(def, f))
	}
	for _, name := range sortedNames(s.fns) {
		if !seen[name] {
			errs = append(errs, fmt.Errorf("%s: function.json but not in the table", name))
		}
	}
	return errors.Join(errs...)
}

func agree(def *Function, f *host.Function) error {
	trig := def.Trigger()
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(def.Name+": "+format, args...)) }
	if trig.Name != f.Trigger {
		add("trigger binding %q in function.json, %q in the table", trig.Name, f.Trigger)
	}
	if kind := triggerKind(f); !trig.is(kind) {
		add("function.json has a %s, the table a %s function", trig.Type, kind)
	}
	extra := otherOutputs(def)
	if f.HTTP != nil {
		errs = append(errs, agreeHTTP(def, f))
	}
	if f.OutputBindings != nil && !sameSet(extra, f.OutputBindings) {
		add("output bindings %v in function.json, %v in the table", extra, f.OutputBindings)
	}
	return errors.Join(errs...)
}

func agreeHTTP(def *Function, f *host.Function) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(def.Name+": "+format, args...)) }
	route := strings.Trim(f.Route, "/")
	if route == "" {
		route = f.Name
	}
	if !strings.EqualFold(def.route(), route) {
		add("route %q in function.json, %q in the table", def.route(), route)
	}
	if !sameSet(lower(def.Trigger().Methods), lower(f.Methods)) {
		add("methods %v in function.json, %v in the table", def.Trigger().Methods, f.Methods)
	}
	out := f.HTTPOut
	if out == "" {
		out = "res"
	}
	if h := def.httpOutput(); h == nil || h.Name != out {
		add("http output %q in the table has no http binding of that name in function.json", out)
	}
	return errors.Join(errs...)
}

// triggerKind is the trigger type a table entry serves.
func triggerKind(f *host.Function) string {
	switch {
	case f.HTTP != nil:
		return "httpTrigger"
	case f.Queue != nil:
		return "queueTrigger"
	default:
		return "timerTrigger"
	}
}

// otherOutputs are the output bindings besides http.
func otherOutputs(def *Function) []string {
	var names []string
	for _, b := range def.Outputs() {
		if !b.is("http") {
			names = append(names, b.Name)
		}
	}
	return names
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
