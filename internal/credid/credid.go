// Package credid reads and writes WebAuthn credential ids in the encodings
// Microsoft Entra ID uses for them.
//
// Graph documents one encoding, base64url without padding (RFC 4648 §5),
// and the registration POST must use it. What Entra actually sends back is
// less tidy: excludeCredentials ids have arrived as standard base64 with
// padding and as ASP.NET's UrlTokenEncode form (base64url without padding
// plus one digit counting the stripped "="), and fido2 method ids have the
// UrlTokenEncode form of the credential id (MichaelGrafnetter/webauthn-interop
// issues #21 and #28; shared/reference/fido2-keywriter.md §1.3).
//
// These forms overlap: "…1" can be a UrlTokenEncode string or plain base64
// whose last character happens to be "1". Candidates therefore lists every
// reading, Matches compares against a known id, and Decode answers only
// when the reading is unique. Treating an overlap as one reading is the
// bug behind the "1 in 50 users" failures of issue #28.
package credid

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// Errors Decode returns.
var (
	ErrInvalid   = errors.New("credential id: not base64, base64url or UrlTokenEncode")
	ErrAmbiguous = errors.New("credential id: more than one reading (base64 or UrlTokenEncode)")
)

// maxLen bounds the input: CTAP credential ids are at most 1023 bytes
// (WebAuthn §5.8.3), whose longest encoding is 1365 characters.
const maxLen = 1400

var strict = base64.RawURLEncoding.Strict()

// Encode is base64url without padding: the form the registration POST
// requires for publicKeyCredential.id.
func Encode(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

// MethodID is ASP.NET's UrlTokenEncode of the credential id, the form
// observed in Graph's fido2AuthenticationMethod ids (one real registration:
// a 32-byte credential id came back with "1" appended). Single-sample
// evidence: match methods with it, never rely on it alone.
func MethodID(id []byte) string {
	raw := base64.RawURLEncoding.EncodeToString(id)
	return raw + strconv.Itoa((4-len(raw)%4)%4)
}

// Candidates lists every byte string s can denote, the UrlTokenEncode
// reading first. It is empty for a string that is none of the forms.
func Candidates(s string) [][]byte {
	if s == "" || len(s) > maxLen || !alphabet(s) {
		return nil
	}
	var out [][]byte
	if b, ok := urlToken(s); ok {
		out = append(out, b)
	}
	if b, ok := plain(s); ok && (len(out) == 0 || string(out[0]) != string(b)) {
		out = append(out, b)
	}
	return out
}

// Decode returns the only reading of s, ErrAmbiguous when there are two,
// ErrInvalid when there is none.
func Decode(s string) ([]byte, error) {
	c := Candidates(s)
	switch len(c) {
	case 0:
		return nil, ErrInvalid
	case 1:
		return c[0], nil
	}
	return nil, ErrAmbiguous
}

// Matches reports whether s is one of the encodings of id.
func Matches(s string, id []byte) bool {
	if len(id) == 0 {
		return false
	}
	for _, c := range Candidates(s) {
		if string(c) == string(id) {
			return true
		}
	}
	return false
}

// alphabet admits both base64 alphabets and "=" only as trailing padding.
func alphabet(s string) bool {
	body := strings.TrimRight(s, "=")
	if len(s)-len(body) > 2 {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '+' || c == '/'
		if !ok {
			return false
		}
	}
	return true
}

// plain reads base64 in either alphabet (not both mixed), with or without
// padding. Strict decoding refuses non-zero trailing bits, so most
// UrlTokenEncode strings are not also plain base64.
func plain(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "-_") && strings.ContainsAny(s, "+/") {
		return nil, false
	}
	body := strings.TrimRight(s, "=")
	if pad := len(s) - len(body); pad > 0 && (len(body)+pad)%4 != 0 {
		return nil, false
	}
	b, err := strict.DecodeString(toURL(body))
	return b, err == nil && len(b) > 0
}

// urlToken reads UrlTokenEncode: unpadded base64url and a digit 0-2 that
// makes the length a multiple of four once the padding is put back.
func urlToken(s string) ([]byte, bool) {
	if strings.ContainsAny(s, "=+/") || len(s) < 2 {
		return nil, false
	}
	pad := int(s[len(s)-1]) - '0'
	body := s[:len(s)-1]
	if pad < 0 || pad > 2 || (len(body)+pad)%4 != 0 {
		return nil, false
	}
	b, err := strict.DecodeString(body)
	return b, err == nil && len(b) > 0
}

func toURL(s string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(s)
}
