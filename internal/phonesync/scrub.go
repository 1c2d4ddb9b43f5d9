package phonesync

import (
	"regexp"
	"strings"
)

// phoneLike finds what could be a phone number in text we did not write:
// "+" and a digit followed by digits and punctuation, or a bare run of
// seven or more digits.
var phoneLike = regexp.MustCompile(`\+\d[\d \-().x]{4,}\d|\d{7,}`)

const hexOrDash = "0123456789abcdefABCDEF-"

// scrubNumbers masks phone-number-like runs in Graph's error messages
// before they reach an answer or an audit event. Graph's messages are not
// ours: one could quote the number it refused, and numbers never leave
// this service but for their last two digits. Digit runs inside GUIDs
// (next to a hex letter or "-") are left alone.
func scrubNumbers(s string) string {
	var out strings.Builder
	last := 0
	for _, m := range phoneLike.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if s[start] != '+' && inGUID(s, start, end) {
			continue
		}
		out.WriteString(s[last:start])
		out.WriteString(maskNumber(s[start:end]))
		last = end
	}
	out.WriteString(s[last:])
	return out.String()
}

func inGUID(s string, start, end int) bool {
	return (start > 0 && strings.IndexByte(hexOrDash, s[start-1]) >= 0) ||
		(end < len(s) && strings.IndexByte(hexOrDash, s[end]) >= 0)
}
