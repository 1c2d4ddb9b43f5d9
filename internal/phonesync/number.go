package phonesync

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/redact"
)

// Number is a validated phone number in the parts Graph's format needs.
type Number struct {
	CountryCode int32
	National    string // national significant number, digits only
	Extension   string // digits, "" for none
}

// Graph renders n in Graph's "+{country code} {number}x{extension}" form,
// the only one Graph documents for phoneNumber ("+1 4255551234x123").
func (n Number) Graph() string {
	s := "+" + strconv.Itoa(int(n.CountryCode)) + " " + n.National
	if n.Extension != "" {
		s += "x" + n.Extension
	}
	return s
}

// Masked is the number as it may appear in answers and logs: the last two
// digits only.
func (n Number) Masked() string { return maskNumber(n.Graph()) }

func maskNumber(s string) string { return redact.MaskTail(s, 2) }

// maxNumberInput bounds what we hand the parser; a phone number with an
// extension and generous punctuation is far shorter.
const maxNumberInput = 64

// maxExtension keeps extensions to what libphonenumber reads back after a
// bare "x" (Graph's separator), so a number we write normalises to itself.
const maxExtension = 7

// Normalise reads a directory value as a phone number and returns it in
// Graph's form. region (ISO 3166 alpha-2) is used only for numbers written
// without a country code; "" refuses those rather than guessing a country.
// A leading "00" is read as "+", the international prefix of most of the
// world (a number in a country's national format never starts with 00).
// The number must be valid for its country by libphonenumber's metadata:
// an invalid number is never written to a user's MFA methods.
func Normalise(raw, region string) (Number, error) {
	s := strings.TrimSpace(raw)
	if err := precheck(s); err != nil {
		return Number{}, err
	}
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest
	}
	if !strings.HasPrefix(s, "+") && region == "" {
		return Number{}, errors.New("no country code (+CC) and no default region is configured (PHONE_SYNC_DEFAULT_REGION)")
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return Number{}, errors.New("not a phone number")
	}
	if !phonenumbers.IsValidNumber(num) {
		return Number{}, fmt.Errorf("not a valid number for country code +%d", num.GetCountryCode())
	}
	n := Number{
		CountryCode: num.GetCountryCode(),
		National:    phonenumbers.GetNationalSignificantNumber(num),
		Extension:   num.GetExtension(),
	}
	if !allDigits(n.National) || !allDigits(n.Extension) {
		return Number{}, errors.New("not a phone number") // defensive: Graph takes digits only
	}
	if len(n.Extension) > maxExtension {
		return Number{}, fmt.Errorf("the extension is longer than %d digits", maxExtension)
	}
	return n, nil
}

// precheck refuses what libphonenumber would accept but an MFA number
// must not be: letters (vanity numbers, "tel:" URIs) other than an
// extension marker, and very long input.
func precheck(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if len(s) > maxNumberInput {
		return fmt.Errorf("longer than %d characters", maxNumberInput)
	}
	rest := strings.ToLower(s)
	for _, marker := range []string{"extension", "ext.", "ext", "x"} {
		rest = strings.ReplaceAll(rest, marker, "")
	}
	for _, r := range rest {
		if unicode.IsLetter(r) {
			return errors.New("contains letters")
		}
	}
	return nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
