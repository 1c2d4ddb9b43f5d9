package pin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	for _, n := range []int{MinLength, 8, 12, MaxLength} {
		p, err := Generate(n)
		if err != nil {
			t.Fatal(err)
		}
		if p.Len() != n || strings.Trim(p.Reveal(), "0123456789") != "" || Weak(p.Bytes()) != "" {
			t.Errorf("length %d: got %d bytes, weak %q", n, p.Len(), Weak(p.Bytes()))
		}
	}
	for _, n := range []int{0, 4, 5, MaxLength + 1} {
		if _, err := Generate(n); err == nil {
			t.Errorf("length %d accepted", n)
		}
	}
}

// Every digit turns up in every position: the generator is not stuck on
// a pattern (a property check, not a statistical test).
func TestGenerateCoversDigits(t *testing.T) {
	var seen [6][10]bool
	for range 2000 {
		p, err := Generate(6)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range p.Bytes() {
			seen[i][c-'0'] = true
		}
	}
	for i := range seen {
		for d, ok := range seen[i] {
			if !ok {
				t.Errorf("digit %d never at position %d", d, i)
			}
		}
	}
}

func TestWeak(t *testing.T) {
	weak := []string{"000000", "999999", "123456", "654321", "890123", "210987", "121212", "123123", "520520",
		"123321", "112233", "998877", "111222", "123654", "159753", "12345678", "12341234", "11223344", "1212121"}
	for _, s := range weak {
		if Weak([]byte(s)) == "" {
			t.Errorf("%s passed as strong", s)
		}
	}
	for _, s := range []string{"583920", "274615", "90817263", "402751"} {
		if w := Weak([]byte(s)); w != "" {
			t.Errorf("%s refused as %s", s, w)
		}
	}
}

// No rendering of a PIN shows its digits.
func TestNeverPrinted(t *testing.T) {
	p := FromBytes([]byte("583920"))
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("pin", "pin", p, "struct", struct{ P *PIN }{p})
	js, err := json.Marshal(map[string]any{"pin": p})
	if err != nil {
		t.Fatal(err)
	}
	wrapped := fmt.Errorf("set pin %v: %w", p, errors.New("x"))
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %x %d", p, p, p, p, p, p, p),
		fmt.Sprintf("%+v", struct{ P *PIN }{p}), logged.String(), string(js), wrapped.Error()} {
		if strings.Contains(s, "583920") || !strings.Contains(s, mask) {
			t.Errorf("rendered as %q", s)
		}
	}
	if err := json.Unmarshal([]byte(`{"p":"1"}`), &struct{ P *PIN }{}); err == nil {
		t.Error("a PIN was read from JSON")
	}
}

func TestWipe(t *testing.T) {
	buf := []byte("583920")
	p := FromBytes(buf)
	p.Wipe()
	if !p.Empty() || !bytes.Equal(buf, make([]byte, 6)) {
		t.Errorf("after Wipe: %q, buffer %q", p.Reveal(), buf)
	}
	var none *PIN
	none.Wipe()
	if !none.Empty() {
		t.Error("nil PIN not empty")
	}
}

func BenchmarkGenerate8(b *testing.B) {
	for b.Loop() {
		p, err := Generate(8)
		if err != nil {
			b.Fatal(err)
		}
		p.Wipe()
	}
}
