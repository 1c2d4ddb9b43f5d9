package credid

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

// The real strings from shared/reference/fido2-keywriter.md §1.2-1.3.
const (
	// A Graph method id for a 32-byte credential id (UrlTokenEncode).
	realMethodID = "2_4Vb6SXwGtpyc0Tt7rUavuKfLLXk9QYIKTfco9RguI1"
	realCredID   = "2_4Vb6SXwGtpyc0Tt7rUavuKfLLXk9QYIKTfco9RguI"
	// An excludeCredentials id in standard base64 with padding (2024 capture).
	realStdID = "TZ2KrDEawbrIGQsnheGZ/BG9Nfnb7blSGwQYMGyJIhM="
	// An excludeCredentials id that broke DSInternals (issue #21).
	realTokenID = "XDjx9wXDrVWBmE2MbPSkXdeMERfv6gN98uxavJ0ZrSyT8jYUs2BHKjAmh4P_T3Av0"
)

func TestRealIDs(t *testing.T) {
	cred, err := base64.RawURLEncoding.DecodeString(realCredID)
	if err != nil {
		t.Fatal(err)
	}
	if got := MethodID(cred); got != realMethodID {
		t.Errorf("MethodID = %s, want %s", got, realMethodID)
	}
	if !Matches(realMethodID, cred) || !Matches(realCredID, cred) {
		t.Error("the method id or the credential id does not match its credential")
	}
	std, err := Decode(realStdID)
	if err != nil || len(std) != 32 || Encode(std) != "TZ2KrDEawbrIGQsnheGZ_BG9Nfnb7blSGwQYMGyJIhM" {
		t.Errorf("standard base64: %x %v", std, err)
	}
	tok, err := Decode(realTokenID)
	if err != nil || len(tok) != 48 || MethodID(tok) != realTokenID {
		t.Errorf("UrlTokenEncode: %x %v", tok, err)
	}
}

// A 32-byte id's UrlTokenEncode form is also valid plain base64 (44
// characters, a full last quantum): both readings are offered, and Decode
// refuses to guess.
func TestOverlapIsAmbiguous(t *testing.T) {
	c := Candidates(realMethodID)
	if len(c) != 2 || len(c[0]) != 32 || len(c[1]) != 33 {
		t.Fatalf("candidates %d: %x", len(c), c)
	}
	if _, err := Decode(realMethodID); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Decode: %v", err)
	}
}

func TestEveryFormOfEveryLength(t *testing.T) {
	for n := 1; n <= 70; n++ {
		id := bytes.Repeat([]byte{0xfb, 0xff, 0x01}, n)[:n]
		for name, s := range encodings(id) {
			if !Matches(s, id) {
				t.Errorf("%d bytes, %s %q: no match (candidates %x)", n, name, s, Candidates(s))
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	for _, s := range []string{"", "=", "A", "AB=C", "AB===", "A B", "AB\n", "AA3", "AB", "é", "AA==" + "=", "-_+/=", "-00+"} {
		if c := Candidates(s); len(c) != 0 {
			t.Errorf("%q read as %x", s, c)
		}
		if _, err := Decode(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decode(%q): %v", s, err)
		}
	}
	if Matches("AA", nil) {
		t.Error("an empty id matches")
	}
}

// encodings are the forms Entra has been seen to use, and the documented one.
func encodings(id []byte) map[string]string {
	return map[string]string{
		"base64url":        base64.RawURLEncoding.EncodeToString(id),
		"base64url padded": base64.URLEncoding.EncodeToString(id),
		"base64":           base64.RawStdEncoding.EncodeToString(id),
		"base64 padded":    base64.StdEncoding.EncodeToString(id),
		"UrlTokenEncode":   MethodID(id),
	}
}
