package phonesync

import (
	"strings"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/directory"
)

func mobile(n string) directory.PhoneMethod {
	return directory.PhoneMethod{ID: directory.PhoneIDMobile, Type: directory.PhoneMobile, Number: n}
}

func alternate(n string) directory.PhoneMethod {
	return directory.PhoneMethod{ID: directory.PhoneIDAlternateMobile, Type: directory.PhoneAlternateMobile, Number: n}
}

func office(n string) directory.PhoneMethod {
	return directory.PhoneMethod{ID: directory.PhoneIDOffice, Type: directory.PhoneOffice, Number: n}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name    string
		facts   Facts
		write   Write
		outcome string
		reason  string // substring; "" for none expected
		also    int    // phones deleted before the mobile
	}{
		{"no mobile: create", Facts{Source: "+1 425 555 1234"}, CreateMobile, Created, "", 0},
		{"office only: create the mobile, office untouched", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{office("+1 4255551234")}}, CreateMobile, Created, "", 0},
		{"same number", Facts{Source: "+1 (425) 555-1234", Phones: []directory.PhoneMethod{mobile("+1 4255551234")}}, NoWrite, Unchanged, "already", 0},
		{"same number, Graph holds another spelling", Facts{Source: "+44 20 7946 0018", Phones: []directory.PhoneMethod{mobile("+44 02079460018")}}, NoWrite, Unchanged, "already", 0},
		{"other number: update", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+1 4255559999")}}, UpdateMobile, Updated, "", 0},
		{"extension added: update", Facts{Source: "+1 425 555 1234 x7", Phones: []directory.PhoneMethod{mobile("+1 4255551234")}}, UpdateMobile, Updated, "", 0},
		{"other country: update", Facts{Source: "+44 7911 123456", Phones: []directory.PhoneMethod{mobile("+1 4255551234")}}, UpdateMobile, Updated, "", 0},
		{"unreadable registered value: update", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("call reception")}}, UpdateMobile, Updated, "", 0},
		{"national format with region", Facts{Source: "(425) 555-1234", Region: "US"}, CreateMobile, Created, "", 0},
		{"invalid source: error, nothing written", Facts{Source: "12345", Region: "US", Phones: []directory.PhoneMethod{mobile("+1 4255551234")}}, NoWrite, Failed, "not a valid number", 0},
		{"invalid source even with OverwriteNull", Facts{Source: "n/a", OverwriteNull: true, Phones: []directory.PhoneMethod{mobile("+1 4255551234")}}, NoWrite, Failed, "contains letters", 0},
		{"no country code, no region", Facts{Source: "425 555 1234"}, NoWrite, Failed, "no country code", 0},
		// masked numbers
		{"masked, visible digits agree: skipped", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+1 XXXXXXXX34")}}, NoWrite, Skipped, "masked", 0},
		{"masked with a visible prefix, agreeing", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+1 425XXXXX34")}}, NoWrite, Skipped, "masked", 0},
		{"masked, last digits differ: update", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+1 XXXXXXXX99")}}, UpdateMobile, Updated, "", 0},
		{"masked, prefix differs: update", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+1 206XXXXX34")}}, UpdateMobile, Updated, "", 0},
		{"masked, country code differs: update", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+44 XXXXXXXX34")}}, UpdateMobile, Updated, "", 0},
		{"masked with bullets, agreeing", Facts{Source: "+1 425 555 1234", Phones: []directory.PhoneMethod{mobile("+1 ••••••••34")}}, NoWrite, Skipped, "masked", 0},
		// empty source and OverwriteNull
		{"empty, no mobile", Facts{}, NoWrite, Unchanged, "no mobile", 0},
		{"empty, no mobile, OverwriteNull", Facts{OverwriteNull: true, Phones: []directory.PhoneMethod{office("+1 4255551234")}}, NoWrite, Unchanged, "no mobile", 0},
		{"empty, mobile kept without OverwriteNull", Facts{Phones: []directory.PhoneMethod{mobile("+1 4255551234")}}, NoWrite, Skipped, "OverwriteNull", 0},
		{"empty, OverwriteNull: delete", Facts{OverwriteNull: true, Phones: []directory.PhoneMethod{mobile("+1 4255551234"), office("+1 4255550000")}}, DeleteMobile, Deleted, "OverwriteNull", 0},
		{"empty, OverwriteNull, masked mobile: delete", Facts{OverwriteNull: true, Phones: []directory.PhoneMethod{mobile("+1 XXXXXXXX34")}}, DeleteMobile, Deleted, "", 0},
		{"empty, OverwriteNull, alternate blocks", Facts{OverwriteNull: true, Phones: []directory.PhoneMethod{mobile("+1 4255551234"), alternate("+1 4255550000")}}, NoWrite, Failed, "PHONE_SYNC_DELETE_ALTERNATE_MOBILE", 0},
		{"empty, OverwriteNull, alternate deleted when allowed", Facts{OverwriteNull: true, DeleteAlternate: true, Phones: []directory.PhoneMethod{mobile("+1 4255551234"), alternate("+1 4255550000")}}, DeleteMobile, Deleted, "alternate", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Decide(c.facts)
			if p.Write != c.write || p.Outcome != c.outcome || len(p.AlsoDelete) != c.also {
				t.Fatalf("plan %+v, want write %d outcome %s", p, c.write, c.outcome)
			}
			if c.reason != "" && !strings.Contains(p.Reason, c.reason) {
				t.Errorf("reason %q, want it to mention %q", p.Reason, c.reason)
			}
			if (p.Write == CreateMobile || p.Write == UpdateMobile) && !graphFormat.MatchString(p.Want.Graph()) {
				t.Errorf("would write %q", p.Want.Graph())
			}
			if p.Outcome == Failed && p.Writes() {
				t.Error("an error plan writes")
			}
		})
	}
}

func TestCompare(t *testing.T) {
	want, _ := Normalise("+1 425 555 1234", "")
	withExt, _ := Normalise("+1 425 555 1234 x12", "")
	cases := []struct {
		current string
		want    Number
		cmp     Comparison
	}{
		{"+1 4255551234", want, Same},
		{"+1 4255551234x12", withExt, Same},
		{"+1 4255551234x12", want, Differs}, // the extension counts
		{"+1 4255551234", withExt, Differs},
		{"+1 XXXXXXXX34", withExt, MaskedConsistent},
		{"+1 XXXXXXXXXX", want, MaskedConsistent}, // nothing visible to compare
		{"+1 xxxxxxxx34", want, MaskedConsistent},
		{"+1 ********34", want, MaskedConsistent},
		{"+1 425-XXX-XX34", want, MaskedConsistent},
		{"+1 XXXXXXXX43", want, Differs},
		{"+7 XXXXXXXX34", want, Differs},
		{"XXXXXXXXXX34", want, Differs}, // no country code: not Graph's mask, overwrite
		{"", want, Differs},
		{"+1 4255551234x9", want, Differs}, // one x: an extension, not a mask
	}
	for _, c := range cases {
		if got := Compare(c.current, c.want); got != c.cmp {
			t.Errorf("Compare(%q, %s) = %d, want %d", c.current, c.want.Graph(), got, c.cmp)
		}
	}
}
