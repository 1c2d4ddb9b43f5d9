package phonesync

import (
	"strconv"
	"strings"
)

// Comparison is what we can tell about a registered number against the
// one the directory wants.
type Comparison int

const (
	// Differs: the registered number is another number (or unreadable).
	Differs Comparison = iota
	// Same: the same number, compared in full (formatting aside).
	Same
	// MaskedConsistent: Graph masked the registered number, and the
	// country code and every digit it shows agree with the wanted one.
	// Equality cannot be known.
	MaskedConsistent
)

// maskRunes are characters Graph or a portal may mask digits with. Graph's
// exact masking is unverified ("+1 XXXXXXXX34" is what the runbook era
// reports), so any of them is read as a hidden digit.
const maskRunes = "Xx*•●·"

// Compare decides how current, a phoneNumber as Graph returned it, relates
// to want.
//
// The masked-number rule: a caller without the right to read full numbers
// gets them masked but for the country code and the last digits. If a
// visible digit or the country code disagrees, the numbers certainly
// differ, and we update. If everything visible agrees we cannot know, and
// we do not write: the caller gets "skipped" with the reason. Overwriting
// instead would PATCH every such user on every run, and each PATCH is an
// MFA-method change in the tenant's audit log: a nightly sync would bury
// the one change a SOC must see (an attacker's number) under thousands of
// no-ops. A registered value that is neither a number nor a recognisable
// mask is overwritten: it cannot be the wanted number.
func Compare(current string, want Number) Comparison {
	current = strings.TrimSpace(current)
	if cc, national, ok := splitMasked(current); ok {
		return compareMasked(cc, national, want)
	}
	got, err := Normalise(current, "")
	if err != nil {
		return Differs
	}
	if got == want {
		return Same
	}
	return Differs
}

// splitMasked recognises "+CC <digits and mask runes>" with at least two
// hidden digits; "<digits>x<digits>" is an extension, not a mask.
func splitMasked(s string) (cc, national string, ok bool) {
	rest, found := strings.CutPrefix(s, "+")
	if !found {
		return "", "", false
	}
	cc, national, found = strings.Cut(rest, " ")
	if !found || cc == "" || !allDigits(cc) || national == "" {
		return "", "", false
	}
	if isExtensionForm(national) || countAny(national, maskRunes) < 2 {
		return "", "", false
	}
	for _, r := range national {
		if !strings.ContainsRune(maskRunes, r) && (r < '0' || r > '9') && r != ' ' && r != '-' {
			return "", "", false
		}
	}
	return cc, strings.NewReplacer(" ", "", "-", "").Replace(national), true
}

// isExtensionForm reports whether s is "<digits>x<digits>".
func isExtensionForm(s string) bool {
	head, ext, found := strings.Cut(s, "x")
	return found && head != "" && ext != "" && allDigits(head) && allDigits(ext)
}

// compareMasked checks the country code and the visible digits at both
// ends: leading digits against the start of the wanted national number,
// trailing digits against its end (extensions are not shown masked).
func compareMasked(cc, masked string, want Number) Comparison {
	if cc != strconv.Itoa(int(want.CountryCode)) {
		return Differs
	}
	lead := masked[:len(masked)-len(strings.TrimLeft(masked, "0123456789"))]
	trail := masked[len(strings.TrimRight(masked, "0123456789")):]
	if !strings.HasPrefix(want.National, lead) || !strings.HasSuffix(want.National, trail) {
		return Differs
	}
	return MaskedConsistent
}

func countAny(s, chars string) int {
	n := 0
	for _, r := range s {
		if strings.ContainsRune(chars, r) {
			n++
		}
	}
	return n
}
