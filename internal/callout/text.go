package callout

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLength bounds display-only names; Entra display names are at most
// 256 characters.
const maxNameLength = 256

// cleanText makes free text safe to show on one line: invalid UTF-8 becomes
// U+FFFD; control characters, line and paragraph separators and bidi
// controls (which can reorder what a reader sees) become spaces; runs of
// space collapse to one; the result is trimmed and cut to max runes, the
// last of which is "…" when something was cut.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
			r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return truncate(b.String(), max)
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
