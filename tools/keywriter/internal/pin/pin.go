// Package pin makes and holds security key PINs.
//
// A PIN and a key together are the user's account, so a PIN lives only in
// memory, in a byte slice the holder wipes when done (a Go string cannot
// be wiped), and prints as [REDACTED] through fmt, slog and encoding/json:
// a stray log line or wrapped error cannot carry it. Reveal is the one
// deliberate way out (the Key Vault secret value, the one on-screen
// display); each call site is where a reviewer should look.
package pin

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
)

// Length bounds: Entra's guidance and our design want at least 6 digits;
// CTAP caps a PIN at 63 bytes (libfido2 refuses longer ones unsent).
const (
	MinLength = 6
	MaxLength = 63
)

const mask = "[REDACTED]"

// PIN is a secret held in a wipeable buffer. The zero value is empty.
type PIN struct{ b []byte }

// FromBytes takes ownership of b (e.g. what a hidden terminal prompt
// read): the caller must not use b afterwards.
func FromBytes(b []byte) *PIN { return &PIN{b: b} }

// Bytes returns the PIN's buffer for the libfido2 call that needs it. Do
// not keep or copy it.
func (p *PIN) Bytes() []byte { return p.b }

// Len is the PIN's length in bytes.
func (p *PIN) Len() int { return len(p.b) }

// Empty reports whether the PIN holds nothing (or was wiped).
func (p *PIN) Empty() bool { return p == nil || len(p.b) == 0 }

// Reveal returns the PIN as a string: only for where it leaves the
// process on purpose.
func (p *PIN) Reveal() string { return string(p.b) }

// Wipe overwrites the PIN and empties it.
func (p *PIN) Wipe() {
	if p == nil {
		return
	}
	clear(p.b)
	p.b = nil
}

// String, GoString, Format, LogValue and MarshalJSON keep the value out
// of every rendering.
func (p *PIN) String() string                      { return mask }
func (p *PIN) GoString() string                    { return mask }
func (p *PIN) Format(f fmt.State, _ rune)          { _, _ = f.Write([]byte(mask)) }
func (p *PIN) LogValue() slog.Value                { return slog.StringValue(mask) }
func (p *PIN) MarshalJSON() ([]byte, error)        { return []byte(`"` + mask + `"`), nil }
func (p *PIN) MarshalText() ([]byte, error)        { return []byte(mask), nil }
func (p *PIN) UnmarshalJSON([]byte) error          { return errors.New("pin: PINs are never read from JSON") }
func (p *PIN) UnmarshalText([]byte) error          { return errors.New("pin: PINs are never read from text") }
func (p *PIN) AppendText(b []byte) ([]byte, error) { return append(b, mask...), nil }

// Generate makes a PIN of length random decimal digits from crypto/rand,
// drawing again while the result is a trivial pattern (Weak).
func Generate(length int) (*PIN, error) {
	if length < MinLength || length > MaxLength {
		return nil, fmt.Errorf("pin: length %d is outside %d..%d", length, MinLength, MaxLength)
	}
	for {
		b := make([]byte, length)
		if err := digits(b); err != nil {
			return nil, err
		}
		if Weak(b) == "" {
			return &PIN{b: b}, nil
		}
		clear(b)
	}
}

// digits fills b with uniform decimal digits: bytes of 250 and above are
// drawn again so that each digit is equally likely.
func digits(b []byte) error {
	var buf [64]byte
	for i := 0; i < len(b); {
		if _, err := rand.Read(buf[:]); err != nil {
			return fmt.Errorf("pin: random source: %w", err)
		}
		for _, x := range buf {
			if x < 250 && i < len(b) {
				b[i] = '0' + x%10
				i++
			}
		}
	}
	clear(buf[:])
	return nil
}

// blocklist holds keypad and well-known patterns the rules below miss
// (Yubico's reference script refuses these, plus repeated digits).
var blocklist = []string{"123654", "159753", "147258", "258369", "147369", "789456", "456123", "951753", "357159"}

// Weak names the trivial pattern a digit string follows, or returns "":
// one digit repeated, a run up or down (wrapping 9 to 0), a repeated
// block (121212, 520520), a palindrome (123321), doubled digits (112233),
// fewer distinct digits than half the length (five suffice), or a blocklisted pattern.
func Weak(d []byte) string {
	s := string(d)
	switch {
	case len(d) == 0:
		return "empty"
	case stepped(d, 0):
		return "one digit repeated"
	case stepped(d, 1) || stepped(d, 9):
		return "a run of consecutive digits"
	case periodic(d):
		return "a repeated block"
	case palindrome(d):
		return "a palindrome"
	case len(d)%2 == 0 && doubled(d):
		return "doubled digits"
	case distinct(d) < min((len(d)+1)/2, 5):
		return "too few distinct digits"
	case slices.ContainsFunc(blocklist, func(b string) bool { return len(s) >= len(b) && s[:len(b)] == b }):
		return "a keypad pattern"
	}
	return ""
}

// stepped: every digit is the previous plus step (mod 10).
func stepped(d []byte, step byte) bool {
	for i := 1; i < len(d); i++ {
		if (d[i] - '0') != ((d[i-1]-'0')+step)%10 {
			return false
		}
	}
	return true
}

// periodic: d repeats a shorter block.
func periodic(d []byte) bool {
	for p := 1; p <= len(d)/2; p++ {
		if len(d)%p != 0 {
			continue
		}
		ok := true
		for i := p; i < len(d) && ok; i++ {
			ok = d[i] == d[i-p]
		}
		if ok {
			return true
		}
	}
	return false
}

func palindrome(d []byte) bool {
	for i, j := 0, len(d)-1; i < j; i, j = i+1, j-1 {
		if d[i] != d[j] {
			return false
		}
	}
	return true
}

// doubled: 112233, 998877: every digit appears twice in a row.
func doubled(d []byte) bool {
	for i := 0; i+1 < len(d); i += 2 {
		if d[i] != d[i+1] {
			return false
		}
	}
	return true
}

func distinct(d []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range d {
		if !seen[c] {
			seen[c], n = true, n+1
		}
	}
	return n
}
