package console

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

func newConsole(in string, ansi bool) (*Console, *bytes.Buffer) {
	var out bytes.Buffer
	return &Console{Out: &out, In: bufio.NewReader(strings.NewReader(in)), ANSI: ansi,
		Now: func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }}, &out
}

func TestTouchCue(t *testing.T) {
	c, out := newConsole("", true)
	c.Prompt(desk.PromptTouch, "")
	if s := out.String(); !strings.HasPrefix(s, "\a") || !strings.Contains(s, "Touch the key now") {
		t.Errorf("%q", s)
	}
	plain, out2 := newConsole("", false)
	plain.Prompt(desk.PromptTouch, "")
	if strings.Contains(out2.String(), "\a") || strings.Contains(out2.String(), "\x1b") {
		t.Errorf("escape codes off a terminal: %q", out2.String())
	}
}

// A shown PIN is grouped for reading aloud and wiped once noted.
func TestShowPINOnceAndWipe(t *testing.T) {
	c, out := newConsole("\n", true)
	if err := c.ShowPIN(context.Background(), desk.Item{DisplayName: "Nora New"}, pin.FromBytes([]byte("48392017"))); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "4839 2017") || !strings.Contains(s, "\x1b[2K") || !strings.HasSuffix(s, "PIN noted and cleared from the screen.\n") {
		t.Errorf("%q", s)
	}
}

func TestAskPINWithoutATerminal(t *testing.T) {
	c, out := newConsole("", false)
	p, err := c.AskPIN(context.Background(), 8)
	if err != nil || !p.Empty() || !strings.Contains(out.String(), "cannot be typed hidden") {
		t.Errorf("%v %q", err, out.String())
	}
	c.ReadSecret = func() ([]byte, error) { return []byte("583920"), nil }
	p, err = c.AskPIN(context.Background(), 7)
	if err != nil || p.Reveal() != "583920" || strings.Contains(out.String(), "583920") {
		t.Errorf("hidden input: %v %q", err, out.String())
	}
}

func TestProgressAndSummary(t *testing.T) {
	c, out := newConsole("", false)
	c.Show(desk.Item{Index: 3, JobID: "job", UPN: "nora@x", DisplayName: "Nora", Expires: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)})
	c.Finished(desk.Outcome{Status: desk.StatusWritten, Item: desk.Item{UPN: "nora@x"}, Key: fido2msg.KeyInfo{Model: "Key"}, PINRef: "keywriter-pin-job-3"},
		desk.Progress{Done: 3, Written: 2, Remaining: 10, PerKey: 90 * time.Second})
	c.Summary(desk.Summary{Written: 2, Failed: 1, Outcomes: []desk.Outcome{{Status: desk.StatusFailed, Reason: "no key", Item: desk.Item{UPN: "gina@x"}}}})
	s := out.String()
	for _, want := range []string{"1h0m0s left", "✔ written  nora@x  on Key  (PIN in Key Vault: keywriter-pin-job-3)",
		"3 done, 2 written · about 10 waiting · 1m30s per key · about 15m0s to go", "2 written, 0 skipped, 0 expired, 1 failed", "gina@x"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
}
