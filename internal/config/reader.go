package config

import (
	"fmt"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// reader collects every problem while settings are read, so start-up fails
// once with a message naming all of them instead of one per restart.
type reader struct {
	lookup   func(string) (string, bool)
	problems []string
}

func (r *reader) fail(name, format string, args ...any) {
	r.problems = append(r.problems, name+": "+fmt.Sprintf(format, args...))
}

// raw returns the trimmed value and whether one is usable. An unresolved Key
// Vault reference is reported here: App Service leaves the literal
// @Microsoft.KeyVault(...) in place when it cannot resolve one, and using that
// text as a value would only fail much later.
func (r *reader) raw(name string) (v string, usable, present bool) {
	v, _ = r.lookup(name)
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false, false
	}
	if strings.HasPrefix(v, "@Microsoft.KeyVault(") {
		r.fail(name, "unresolved Key Vault reference (check the reference syntax and that the app's identity can read the secret)")
		return "", false, true
	}
	return v, true, true
}

func (r *reader) required(name string) string {
	v, _, present := r.raw(name)
	if !present {
		r.fail(name, "required")
	}
	return v
}

func (r *reader) optional(name, def string) string {
	if v, ok, _ := r.raw(name); ok {
		return v
	}
	return def
}

func (r *reader) intIn(name string, def, lo, hi int) int {
	v, ok, _ := r.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, "must be a whole number from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

func (r *reader) seconds(name string, def time.Duration, lo, hi int) time.Duration {
	n := r.intIn(name, int(def/time.Second), lo, hi)
	return time.Duration(n) * time.Second
}

func (r *reader) boolean(name string, def bool) bool {
	v, ok, _ := r.raw(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

// list splits a comma- or semicolon-separated setting.
func (r *reader) list(name string, required bool) []string {
	var v string
	if required {
		v = r.required(name)
	} else {
		v = r.optional(name, "")
	}
	var out []string
	for _, p := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if required && v != "" && len(out) == 0 {
		r.fail(name, "must list at least one value")
	}
	return out
}

func (r *reader) guid(name string, required bool) string {
	var v string
	if required {
		v = r.required(name)
	} else {
		v = r.optional(name, "")
	}
	if v != "" && !directory.IsObjectID(v) {
		r.fail(name, "must be an object id (GUID), got %q", v)
	}
	return v
}

func (r *reader) guids(name string, required bool) []string {
	vs := r.list(name, required)
	for _, v := range vs {
		if !directory.IsObjectID(v) {
			r.fail(name, "every entry must be an application (client) id GUID, got %q", v)
		}
	}
	return vs
}

// httpsURL accepts https anywhere and plain http only on loopback, where our
// local sandbox runs; a production setting pointing at http is a mistake.
func (r *reader) httpsURL(name, def string) string {
	v := strings.TrimRight(r.optional(name, def), "/")
	if v == "" && def == "" {
		return "" // optional and not set
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		r.fail(name, "must be an https URL (http only on localhost), got %q", v)
	}
	return v
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// oneOf reads a list whose every entry must be one of allowed (compared
// case-insensitively, returned in allowed's spelling).
func (r *reader) oneOf(name, def string, allowed []string) []string {
	raw := r.optional(name, def)
	var out []string
	for _, p := range strings.FieldsFunc(raw, func(c rune) bool { return c == ',' || c == ';' }) {
		p = strings.TrimSpace(p)
		match := ""
		for _, a := range allowed {
			if strings.EqualFold(a, p) {
				match = a
			}
		}
		if match == "" {
			r.fail(name, "%q is not one of %s", p, strings.Join(allowed, ", "))
			continue
		}
		out = append(out, match)
	}
	return out
}
