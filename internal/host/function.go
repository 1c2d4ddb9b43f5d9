package host

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// defaultMaxBody bounds request bodies when Function.MaxBody is 0.
const defaultMaxBody int64 = 1 << 20

// Function is one entry of the function table; it mirrors
// functions/<Name>/function.json, which the agreement test checks.
type Function struct {
	Name    string   // folder name under functions/, case-sensitive, = invocation path /{Name}
	Trigger string   // binding name of the trigger in function.json: "req", "msg", "timer"
	Route   string   // HTTP only: route after the "api/" prefix, e.g. "new-hire/tap"
	Methods []string // HTTP only: lower-case, e.g. ["post"]
	HTTPOut string   // HTTP only: the http output binding name, normally "res"
	MaxBody int64    // HTTP only: request body limit, 0 = 1 MiB; over it -> 413 JSON error
	// OutputBindings names the other output bindings (queues). When not nil,
	// an output under any other name fails the invocation: the host would
	// otherwise drop it silently.
	OutputBindings []string
	HTTP           HTTPFunc
	Queue          QueueFunc
	Timer          TimerFunc
}

func (f *Function) maxBody() int64 {
	if f.MaxBody > 0 {
		return f.MaxBody
	}
	return defaultMaxBody
}

func (f *Function) httpOut() string {
	if f.HTTPOut != "" {
		return f.HTTPOut
	}
	return "res"
}

// route is the template after the prefix; the host defaults it to the name.
func (f *Function) route() string {
	if f.Route != "" {
		return strings.Trim(f.Route, "/")
	}
	return f.Name
}

// allows reports whether an HTTP method is accepted; no methods means all,
// as in function.json.
func (f *Function) allows(method string) bool {
	if len(f.Methods) == 0 {
		return true
	}
	return slices.ContainsFunc(f.Methods, func(m string) bool { return strings.EqualFold(m, method) })
}

// declares reports whether an output binding name is known.
func (f *Function) declares(name string) bool {
	return f.OutputBindings == nil || slices.Contains(f.OutputBindings, name)
}

// ValidateFunctions checks a function table: unique names, a trigger name,
// exactly one kind of handler. Server.Ready runs it too.
func ValidateFunctions(fns []Function) error {
	var errs []error
	seen := map[string]bool{}
	for i := range fns {
		f := &fns[i]
		if err := validateOne(f); err != nil {
			errs = append(errs, err)
		}
		if seen[f.Name] {
			errs = append(errs, fmt.Errorf("function %q: duplicate name", f.Name))
		}
		seen[f.Name] = true
	}
	return errors.Join(errs...)
}

func validateOne(f *Function) error {
	if f.Name == "" || strings.ContainsAny(f.Name, "/?#") {
		return fmt.Errorf("function %q: invalid name", f.Name)
	}
	if f.Trigger == "" {
		return fmt.Errorf("function %q: no trigger binding name", f.Name)
	}
	kinds := 0
	for _, set := range []bool{f.HTTP != nil, f.Queue != nil, f.Timer != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return fmt.Errorf("function %q: needs exactly one of HTTP, Queue, Timer (has %d)", f.Name, kinds)
	}
	return nil
}
