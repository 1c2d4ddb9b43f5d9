package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const plain = "Pa55-w0rd-TAP"
	s := New(plain)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("issued", "tap", s, "struct", struct{ P Secret }{s})
	js, _ := json.Marshal(struct{ P Secret }{s})
	outs := []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s),
		fmt.Errorf("wrap: %v", s).Error(), errors.New(s.String()).Error(),
		logs.String(), string(js),
	}
	for _, o := range outs {
		if strings.Contains(o, plain) {
			t.Fatalf("secret leaked: %q", o)
		}
		if !strings.Contains(o, mask) {
			t.Fatalf("expected mask in %q", o)
		}
	}
	if s.Reveal() != plain {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
}

func TestMaskTail(t *testing.T) {
	cases := map[string]string{
		"+1 2065551267": "•••••••••••67",
		"67":            "••",
		"":              "",
	}
	for in, want := range cases {
		if got := MaskTail(in, 2); got != want {
			t.Errorf("MaskTail(%q) = %q, want %q", in, got, want)
		}
	}
}
