// Package console is the operator's terminal: who the next key is for,
// what to do with the keys (with a bell when a key wants a touch), hidden
// PIN entry, a PIN shown once and wiped from the screen, a line per
// outcome with progress and an estimate, and the end-of-run summary.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// Console talks to the operator. ReadSecret reads a line without echo
// (nil: no hidden input possible, so keys with a PIN are refused); ANSI
// enables the bell, bold text and wiping a shown PIN.
type Console struct {
	Out        io.Writer
	In         *bufio.Reader
	ReadSecret func() ([]byte, error)
	ANSI       bool
	Now        func() time.Time

	mu   sync.Mutex
	item desk.Item
}

func (c *Console) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Console) printf(format string, args ...any) {
	fmt.Fprintf(c.Out, format, args...)
}

func (c *Console) bold(s string) string {
	if !c.ANSI {
		return s
	}
	return "\x1b[1m" + s + "\x1b[0m"
}

// Show starts an item.
func (c *Console) Show(it desk.Item) {
	c.mu.Lock()
	c.item = it
	c.mu.Unlock()
	left := it.Expires.Sub(c.now()).Round(time.Minute)
	c.printf("\n── item %d of job %s ──\n", it.Index, it.JobID)
	c.printf("%s  <%s>\n", c.bold(it.DisplayName), it.UPN)
	c.printf("challenge valid until %s (%s left)\n", it.Expires.Local().Format("Mon 15:04"), left)
}

// Prompt tells the operator what to do with the keys.
func (c *Console) Prompt(p desk.Prompt, detail string) {
	c.mu.Lock()
	name := c.item.DisplayName
	c.mu.Unlock()
	switch p {
	case desk.PromptInsertKey:
		if name != "" {
			c.printf("→ Insert a security key for %s.\n", name)
		} else {
			c.printf("→ Insert the security key.\n")
		}
	case desk.PromptRemoveExtra:
		c.printf("→ %s.\n", detail)
	case desk.PromptOtherKey:
		c.printf("✖ This key cannot be used: %s.\n→ Remove it and insert another key.\n", detail)
	case desk.PromptRemoveKey:
		if detail == "" {
			c.printf("→ Done with this key: remove it.\n")
			return
		}
		c.printf("→ %s.\n", capitalize(detail))
	case desk.PromptTouch:
		bell := ""
		if c.ANSI {
			bell = "\a"
		}
		if detail == "" {
			detail = "touch the key now"
		}
		c.printf("%s%s\n", bell, c.bold("▶ "+capitalize(detail)))
	}
}

// AskPIN reads the PIN of a key that has one, without echo.
func (c *Console) AskPIN(_ context.Context, retries int) (*pin.PIN, error) {
	if c.ReadSecret == nil {
		c.printf("This key has a PIN, and the PIN cannot be typed hidden here (not a terminal).\n")
		return &pin.PIN{}, nil
	}
	c.printf("This key already has a PIN (%d tries left before it locks).\nType its PIN (hidden), or just Enter to use another key: ", retries)
	b, err := c.ReadSecret()
	c.printf("\n")
	if err != nil {
		return nil, fmt.Errorf("read the PIN: %w", err)
	}
	return pin.FromBytes(b), nil
}

// ShowPIN displays a PIN the desk set, once, and wipes it from the screen
// when the operator presses Enter.
func (c *Console) ShowPIN(_ context.Context, it desk.Item, p *pin.PIN) error {
	c.printf("PIN for %s's key: %s\n", it.DisplayName, c.bold(grouped(p.Reveal())))
	c.printf("Shown once: note it for the user, then press Enter to clear it.")
	_, err := c.In.ReadString('\n')
	if c.ANSI {
		// Up two lines, erase them: the PIN does not stay on the screen.
		c.printf("\x1b[1A\x1b[2K\x1b[1A\x1b[2K\r")
	}
	c.printf("PIN noted and cleared from the screen.\n")
	if err != nil && err != io.EOF {
		return err
	}
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// grouped spaces a PIN in fours so it is read out without mistakes.
func grouped(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Finished reports an outcome and the run's progress.
func (c *Console) Finished(o desk.Outcome, p desk.Progress) {
	mark := map[string]string{desk.StatusWritten: "✔", desk.StatusSkipped: "↷", desk.StatusExpired: "⌛"}[o.Status]
	if mark == "" {
		mark = "✖"
	}
	line := fmt.Sprintf("%s %s  %s", mark, o.Status, o.Item.UPN)
	if o.Status == desk.StatusWritten {
		line += fmt.Sprintf("  on %s", o.Key.Model)
		if o.PINRef != "" {
			line += "  (PIN in Key Vault: " + o.PINRef + ")"
		}
	}
	if o.Reason != "" {
		line += "  — " + o.Reason
	}
	c.printf("%s\n", line)
	if o.Finalize != "" {
		c.printf("  note: %s\n", o.Finalize)
	}
	c.printf("  %s\n", progressLine(p))
}

// progressLine: done, written, waiting and an estimate from the average
// time per written key.
func progressLine(p desk.Progress) string {
	s := fmt.Sprintf("%d done, %d written", p.Done, p.Written)
	if p.Remaining >= 0 {
		s += fmt.Sprintf(" · about %d waiting", p.Remaining)
		if p.PerKey > 0 && p.Remaining > 0 {
			s += fmt.Sprintf(" · %s per key · about %s to go", p.PerKey.Round(time.Second), (p.PerKey * time.Duration(p.Remaining)).Round(time.Minute))
		}
	}
	return s
}

// Summary prints a run's end.
func (c *Console) Summary(s desk.Summary) {
	c.printf("\n%s %d written, %d skipped, %d expired, %d failed", c.bold("Summary:"), s.Written, s.Skipped, s.Expired, s.Failed)
	if s.Resent > 0 {
		c.printf(", %d results of an earlier run sent", s.Resent)
	}
	if s.Interrupted {
		c.printf(" (stopped early)")
	}
	c.printf("\n")
	for _, o := range s.Outcomes {
		if o.Status == desk.StatusFailed || o.Status == desk.StatusExpired || o.Finalize != "" {
			reason := o.Reason
			if reason == "" {
				reason = o.Finalize
			}
			c.printf("  %-8s %s (item %d of job %s): %s\n", o.Status, o.Item.UPN, o.Item.Index, o.Item.JobID, reason)
		}
	}
}

// Confirm asks before a factory reset.
func (c *Console) Confirm(_ context.Context, d fido.DeviceInfo, info fido.Info) (bool, error) {
	c.printf("Key: %s %s, AAGUID %s, PIN %s\n", d.Manufacturer, d.Product, info.AAGUIDString(), pinState(info))
	c.printf("A reset erases every passkey on this key and its PIN. It cannot be undone.\nType RESET to continue: ")
	line, err := c.In.ReadString('\n')
	if err != nil && err != io.EOF {
		return false, err
	}
	return strings.TrimSpace(line) == "RESET", nil
}

// Replug explains the reset window.
func (c *Console) Replug() {
	c.printf("Keys accept a reset only in the first seconds after being plugged in.\n")
}

func pinState(info fido.Info) string {
	switch {
	case !info.SupportsPIN():
		return "not supported"
	case info.HasPIN() && info.ForcePINChange:
		return "set, change required"
	case info.HasPIN():
		return "set"
	}
	return "not set"
}

// PINState renders a key's PIN state for listings.
func PINState(info fido.Info) string { return pinState(info) }
