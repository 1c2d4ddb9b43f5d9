package hostsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Binding is one entry of function.json "bindings".
type Binding struct {
	Type       string   `json:"type"`
	Direction  string   `json:"direction"`
	Name       string   `json:"name"`
	AuthLevel  string   `json:"authLevel,omitempty"`
	Methods    []string `json:"methods,omitempty"`
	Route      string   `json:"route,omitempty"`
	QueueName  string   `json:"queueName,omitempty"`
	Connection string   `json:"connection,omitempty"`
	Schedule   string   `json:"schedule,omitempty"`
	UseMonitor *bool    `json:"useMonitor,omitempty"`
	DataType   string   `json:"dataType,omitempty"`
}

// is compares binding types as the host does, ignoring case.
func (b *Binding) is(typ string) bool { return strings.EqualFold(b.Type, typ) }

func (b *Binding) isTrigger() bool { return strings.HasSuffix(strings.ToLower(b.Type), "trigger") }

func (b *Binding) isOut() bool { return strings.EqualFold(b.Direction, "out") }

// Function is one function folder: its name and function.json bindings.
type Function struct {
	Name     string
	Bindings []Binding
}

// Trigger returns the trigger binding (validated to exist).
func (f *Function) Trigger() *Binding {
	for i := range f.Bindings {
		if f.Bindings[i].isTrigger() {
			return &f.Bindings[i]
		}
	}
	return nil
}

// Outputs returns the output bindings.
func (f *Function) Outputs() []Binding {
	var out []Binding
	for _, b := range f.Bindings {
		if b.isOut() {
			out = append(out, b)
		}
	}
	return out
}

// output finds an output binding by its exact (case-sensitive) name.
func (f *Function) output(name string) *Binding {
	for i := range f.Bindings {
		if f.Bindings[i].isOut() && f.Bindings[i].Name == name {
			return &f.Bindings[i]
		}
	}
	return nil
}

// httpOutput returns the http output binding, if any.
func (f *Function) httpOutput() *Binding {
	for i := range f.Bindings {
		if f.Bindings[i].isOut() && f.Bindings[i].is("http") {
			return &f.Bindings[i]
		}
	}
	return nil
}

// Forwarded reports whether the host forwards HTTP requests to this
// function as they are: forwarding on, and exactly one input binding (an
// httpTrigger) and one output binding (http) (IsHttpInAndOutFunction).
func (f *Function) Forwarded(h HostConfig) bool {
	if !h.Forwarding {
		return false
	}
	outs := f.Outputs()
	return len(f.Bindings) == 2 && len(outs) == 1 && outs[0].is("http") && f.Trigger().is("httpTrigger")
}

// route is the effective route template: the function name by default.
func (f *Function) route() string {
	if r := strings.Trim(f.Trigger().Route, "/"); r != "" {
		return r
	}
	return f.Name
}

var (
	functionName = regexp.MustCompile(`(?i)^[a-z][a-z0-9_\-]{0,127}$`)
	bindingName  = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$`)
	httpMethods  = []string{"get", "post", "put", "delete", "head", "patch", "options", "trace"}
)

// loadFunctions reads dir/<Name>/function.json for each direct subfolder,
// as the host's discovery does (not recursive; folders without one skipped).
func loadFunctions(dir string) (map[string]*Function, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read functions folder: %w", err)
	}
	fns := map[string]*Function{}
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fn, err := loadFunction(dir, e.Name())
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			errs = append(errs, err)
		default:
			fns[fn.Name] = fn
		}
	}
	if len(fns) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("no function.json under %s", dir)
	}
	return fns, errors.Join(errs...)
}

func loadFunction(dir, name string) (*Function, error) {
	path := filepath.Join(dir, name, "function.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Bindings []Binding `json:"bindings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fn := &Function{Name: name, Bindings: doc.Bindings}
	if err := fn.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fn, nil
}

// validate applies the host's indexing rules that matter to us.
func (f *Function) validate() error {
	if !functionName.MatchString(f.Name) || strings.EqualFold(f.Name, "host") {
		return fmt.Errorf("function name %q is not valid for the host", f.Name)
	}
	var errs []error
	triggers, seen := 0, map[string]bool{}
	for i := range f.Bindings {
		b := &f.Bindings[i]
		if b.isTrigger() {
			triggers++
		}
		if seen[strings.ToLower(b.Name)] {
			errs = append(errs, fmt.Errorf("binding name %q used twice", b.Name))
		}
		seen[strings.ToLower(b.Name)] = true
		errs = append(errs, b.validate())
	}
	if triggers != 1 {
		errs = append(errs, fmt.Errorf("%d trigger bindings, want 1", triggers))
	}
	if f.httpOutput() != nil && !f.Trigger().is("httpTrigger") {
		errs = append(errs, errors.New("an http output needs an httpTrigger"))
	}
	return errors.Join(errs...)
}

func (b *Binding) validate() error {
	if !bindingName.MatchString(b.Name) {
		return fmt.Errorf("binding name %q is not valid", b.Name)
	}
	if d := strings.ToLower(b.Direction); d != "in" && d != "out" && d != "inout" {
		return fmt.Errorf("binding %s: direction %q", b.Name, b.Direction)
	}
	if b.isTrigger() && b.isOut() {
		return fmt.Errorf("binding %s: a trigger is an input", b.Name)
	}
	switch {
	case b.is("httpTrigger"):
		return b.validateHTTP()
	case b.is("queueTrigger"), b.is("queue"):
		if b.QueueName == "" {
			return fmt.Errorf("binding %s: no queueName", b.Name)
		}
	case b.is("timerTrigger"):
		if b.Schedule == "" {
			return fmt.Errorf("binding %s: no schedule", b.Name)
		}
	}
	return nil
}

func (b *Binding) validateHTTP() error {
	for _, m := range b.Methods {
		if !slices.Contains(httpMethods, strings.ToLower(m)) {
			return fmt.Errorf("binding %s: method %q", b.Name, m)
		}
	}
	switch strings.ToLower(b.AuthLevel) {
	case "", "anonymous", "function", "admin":
		return nil
	}
	return fmt.Errorf("binding %s: authLevel %q", b.Name, b.AuthLevel)
}

func sortedNames(fns map[string]*Function) []string {
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
