// Package redact holds values that must never reach a log, an error or a file:
// Temporary Access Passes, PINs, tokens and shared secrets.
//
// A Secret prints as [REDACTED] through fmt, slog and encoding/json, so an
// accidental log line or error wrap stays safe. Reveal is the one deliberate
// way out, and each call site is where a reviewer should look.
package redact

import "log/slog"

const mask = "[REDACTED]"

// Secret wraps a sensitive string.
type Secret struct{ v string }

// New wraps s.
func New(s string) Secret { return Secret{v: s} }

// Reveal returns the plain value. Call it only where the value leaves the
// process on purpose (a mail body to its recipient, a constant-time compare).
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether no value is held.
func (s Secret) IsZero() bool { return s.v == "" }

// String implements fmt.Stringer.
func (s Secret) String() string { return mask }

// GoString implements fmt.GoStringer, so %#v is safe too.
func (s Secret) GoString() string { return mask }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(mask) }

// MarshalJSON keeps secrets out of serialised structs.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + mask + `"`), nil }

// MaskTail keeps the last n runes of s and masks the rest, e.g. for phone
// numbers in audit events ("•••••••67").
func MaskTail(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return repeat(len(r))
	}
	return repeat(len(r)-n) + string(r[len(r)-n:])
}

func repeat(n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = '•'
	}
	return string(b)
}
