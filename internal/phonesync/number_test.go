package phonesync

import (
	"regexp"
	"strings"
	"testing"
)

// graphFormat is Graph's documented phoneNumber format, as the Graph
// double enforces it.
var graphFormat = regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{4,15}(x[0-9]{1,10})?$`)

func TestNormalise(t *testing.T) {
	cases := []struct{ in, region, want string }{
		// international forms, punctuation of every kind
		{"+1 425 555 1234", "", "+1 4255551234"},
		{"+1 (425) 555-1234", "", "+1 4255551234"},
		{"+1.425.555.1234", "", "+1 4255551234"},
		{"  +1-425-555-1234  ", "", "+1 4255551234"},
		{"+14255551234", "", "+1 4255551234"},
		{"+1 4255551234", "", "+1 4255551234"}, // already Graph's form: unchanged
		{"+44 7911 123456", "", "+44 7911123456"},
		{"+44 (0)20 7946 0018", "", "+44 2079460018"}, // the UK's "(0)" trunk prefix dropped
		{"+49 (0)151 12345678", "", "+49 15112345678"},
		{"+33 6 12 34 56 78", "", "+33 612345678"},
		{"+39 06 6982 1234", "", "+39 0669821234"}, // Italy keeps its leading zero
		{"+81 90-1234-5678", "", "+81 9012345678"},
		{"+91 98765 43210", "", "+91 9876543210"},
		{"+61 412 345 678", "", "+61 412345678"},
		{"+46 70 123 45 67", "", "+46 701234567"},
		// leading 00 is "+", whatever the default region
		{"0044 20 7946 0018", "", "+44 2079460018"},
		{"0044 20 7946 0018", "US", "+44 2079460018"},
		{"00 49 30 901820", "DE", "+49 30901820"},
		// a region's own international prefix
		{"011 44 20 7946 0018", "US", "+44 2079460018"},
		// national format with the default region
		{"(425) 555-1234", "US", "+1 4255551234"},
		{"020 7946 0018", "GB", "+44 2079460018"},
		{"07911 123456", "GB", "+44 7911123456"},
		{"06 12 34 56 78", "FR", "+33 612345678"},
		// extensions
		{"+1 (425) 555-1234 ext. 123", "", "+1 4255551234x123"},
		{"+1 425 555 1234 x99", "", "+1 4255551234x99"},
		{"+1 425 555 1234#7", "", "+1 4255551234x7"},
		{"+1 425 555 1234 extension 5", "", "+1 4255551234x5"},
		{"425-555-1234 x12", "US", "+1 4255551234x12"},
	}
	for _, c := range cases {
		n, err := Normalise(c.in, c.region)
		if err != nil {
			t.Errorf("Normalise(%q, %q): %v", c.in, c.region, err)
			continue
		}
		if got := n.Graph(); got != c.want || !graphFormat.MatchString(got) {
			t.Errorf("Normalise(%q, %q) = %q, want %q", c.in, c.region, got, c.want)
		}
		if again, err := Normalise(n.Graph(), ""); err != nil || again != n {
			t.Errorf("not idempotent on %q: %v %v", n.Graph(), again, err)
		}
	}
}

func TestNormaliseRefusesGarbage(t *testing.T) {
	cases := []struct{ in, region, reason string }{
		{"", "US", "empty"},
		{"   ", "US", "empty"},
		{"hello", "US", "letters"},
		{"1-800-FLOWERS", "US", "letters"}, // libphonenumber would read the letters as digits
		{"tel:+1-425-555-1234", "", "letters"},
		{"+1 555", "", "not a valid number"},
		{"+1 123 456 7890", "", "not a valid number"}, // no US area code starts with 1
		{"+999 1234567", "", "not a phone number"},
		{"+44 12", "", "not a valid number"},
		{"425 555 1234", "", "no country code"}, // no default region: never guess a country
		{"020 7946 0018", "US", "not a valid number"},
		{strings.Repeat("1", 80), "US", "longer than"},
		{"+1 425 555 1234; DROP TABLE", "", "letters"},
		{"+1 201 200 0000 ext 00000000", "", "extension is longer than 7"}, // found by FuzzNormalise
	}
	for _, c := range cases {
		n, err := Normalise(c.in, c.region)
		if err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("Normalise(%q, %q) = %q, %v; want error containing %q", c.in, c.region, n.Graph(), err, c.reason)
		}
		if err != nil && strings.TrimSpace(c.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(c.in)) {
			t.Errorf("error %q repeats the input", err)
		}
	}
}

func TestMasked(t *testing.T) {
	n := Number{CountryCode: 1, National: "4255551234", Extension: "12"}
	if got := n.Masked(); got != "••••••••••••••12" || strings.Contains(got, "5551234") {
		t.Errorf("masked %q", got)
	}
}
