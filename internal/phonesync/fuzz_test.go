package phonesync

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/graphdouble"
)

// FuzzNormalise: any input either fails or yields a number in Graph's
// format that normalises to itself, compares Same with itself and
// MaskedConsistent with Graph's mask of it, and masks to two digits.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"+1 425 555 1234", "+1 (425) 555-1234 ext. 123", "0044 20 7946 0018",
		"+39 06 6982 1234", "(425) 555-1234", "07911 123456", "1-800-FLOWERS", "+1 555", "", "x", "+",
		"00", "+1 4255551234x", "tel:+1-425-555-1234", "+１ ４２５ ５５５ １２３４", "+44 (0)20 7946 0018"} {
		for _, region := range []string{"", "US", "GB", "DE", "ZZ"} {
			f.Add(s, region)
		}
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, err := Normalise(raw, region)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		g := n.Graph()
		if !graphFormat.MatchString(g) {
			t.Fatalf("Normalise(%q, %q) = %q: not Graph's format", raw, region, g)
		}
		again, err := Normalise(g, "")
		if err != nil || again != n {
			t.Fatalf("not idempotent: %q -> %q -> %+v %v", raw, g, again, err)
		}
		if c := Compare(g, n); c != Same {
			t.Fatalf("Compare(%q, itself) = %d", g, c)
		}
		if c := Compare(graphdouble.MaskPhoneNumber(g), n); c != MaskedConsistent {
			t.Fatalf("Compare(mask of %q, it) = %d", g, c)
		}
		if m := n.Masked(); strings.Trim(m, "•") != g[len(g)-2:] || utf8.RuneCountInString(m) != len(g) {
			t.Fatalf("masked %q of %q", m, g)
		}
	})
}

// FuzzParseBody: any body is either refused with a 400/413 that says why,
// or parsed into at most limit valid entries that survive a round trip.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		`[{"UserPrincipalName":"ada@contoso.example"}]`,
		`[{"UserPrincipalName":"ada@contoso.example","Mobile":"+1 425 555 1234","OverwriteNull":"1"},{"ObjectId":"10000000-0000-4000-8000-000000000001","OverwriteNull":false}]`,
		`{"userprincipalname":"ada@contoso.example","mobile":null,"overwritenull":true}`,
		"\xef\xbb\xbf[]", `[{"UserPrincipalName":"a@b.example"},]`, `[[]]`, `[{"UserPrincipalName":"a@b.example","UserPrincipalName":"b@b.example"}]`,
		`[{"Mobil":"1"}]`, `[{"UserPrincipalName":"a@b.example","OverwriteNull":"maybe"}]`, `[1,2,3,4,5,6]`, `null`, `"x"`,
		`[{"UserPrincipalName":"../x@b.example"}]`, `[{"UserPrincipalName":"greta.guest_partner.example#EXT#@contoso.onmicrosoft.com"}]`,
		`[{"UserPrincipalName":"a@b.example"}] {}`, `[{"UserPrincipalName":"\u0061@b.example","Mobile":"\u002b1 425 555 1234"}]`,
	} {
		f.Add([]byte(s))
	}
	const limit = 4
	f.Fuzz(func(t *testing.T, body []byte) {
		entries, bad := ParseBody(body, limit)
		if bad != nil {
			if entries != nil || bad.Detail == "" || (bad.Status != http.StatusBadRequest && bad.Status != http.StatusRequestEntityTooLarge) {
				t.Fatalf("refusal %+v with entries %v", bad, entries)
			}
			return
		}
		if len(entries) > limit {
			t.Fatalf("%d entries over the limit", len(entries))
		}
		for i, e := range entries {
			if e.Index != i || validUserRef(e.User) != nil {
				t.Fatalf("entry %d: %+v", i, e)
			}
		}
		again, bad := ParseBody(reencode(entries), limit)
		if bad != nil || fmt.Sprint(again) != fmt.Sprint(entries) {
			t.Fatalf("round trip: %+v -> %+v %v", entries, again, bad)
		}
	})
}

// reencode writes entries back in the runbook's shape.
func reencode(entries []Entry) []byte {
	type wire struct {
		UserPrincipalName string
		Mobile            string `json:",omitempty"`
		OverwriteNull     string
	}
	out := make([]wire, len(entries))
	for i, e := range entries {
		out[i] = wire{UserPrincipalName: e.User, Mobile: e.Mobile, OverwriteNull: map[bool]string{true: "1", false: "0"}[e.OverwriteNull]}
	}
	b, _ := json.Marshal(out)
	return b
}
