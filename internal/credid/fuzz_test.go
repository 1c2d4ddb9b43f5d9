package credid

import (
	"slices"
	"testing"
)

// FuzzCandidates: every reading of any string is an id that one of the
// known encodings turns back into that string, and Decode agrees with the
// number of readings.
func FuzzCandidates(f *testing.F) {
	for _, s := range []string{realMethodID, realCredID, realStdID, realTokenID, "AQIDBAU", "AQIDBAU1", "AA==", "AA2", "-_-_0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Candidates(s)
		for _, id := range c {
			if len(id) == 0 {
				t.Fatalf("%q: empty reading", s)
			}
			forms := encodings(id)
			found := false
			for _, e := range forms {
				found = found || e == s
			}
			if !found {
				t.Fatalf("%q read as %x, which encodes as %v", s, id, forms)
			}
		}
		id, err := Decode(s)
		if (len(c) == 1) != (err == nil) || (err == nil && !slices.Equal(id, c[0])) {
			t.Fatalf("Decode(%q) = %x, %v with candidates %x", s, id, err, c)
		}
	})
}

// FuzzEncodings: every encoding of any id matches it, and the
// registration form (Encode) is always among the readings of itself.
func FuzzEncodings(f *testing.F) {
	for _, b := range [][]byte{{1}, {1, 2}, {1, 2, 3}, make([]byte, 32), make([]byte, 48), make([]byte, 64)} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, id []byte) {
		if len(id) == 0 || len(id) > 1023 {
			return
		}
		for name, s := range encodings(id) {
			if !Matches(s, id) {
				t.Fatalf("%s %q does not match %x (candidates %x)", name, s, id, Candidates(s))
			}
		}
	})
}
