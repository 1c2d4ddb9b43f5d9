package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// ResetUI is the operator's side of a factory reset.
type ResetUI interface {
	Prompt(p Prompt, detail string)
	// Confirm shows what the key holds and asks whether to erase it.
	Confirm(ctx context.Context, d fido.DeviceInfo, info fido.Info) (bool, error)
	// Replug asks for the key to be unplugged and plugged in again.
	Replug()
}

// ErrNotConfirmed: the operator declined the reset.
var ErrNotConfirmed = errors.New("reset not confirmed; the key is unchanged")

// resetAttempts bounds how often a key too long plugged in is replugged.
const resetAttempts = 3

// Reset factory-resets the one key plugged in, after the operator
// confirms: every passkey and the PIN go. Keys accept a reset only in the
// first seconds after being plugged in, so the operator replugs the key
// and the reset is sent at once.
func Reset(ctx context.Context, keys Keys, ui ResetUI, s Settings) error {
	r := &Runner{Keys: keys, Operator: resetOperator{ui}, Settings: s}
	dev, di, err := r.acquireKey(ctx)
	if err != nil {
		return err
	}
	info, err := dev.Info(ctx)
	dev.Close()
	if err != nil {
		return fmt.Errorf("read the key: %w", err)
	}
	ok, err := ui.Confirm(ctx, di, info)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotConfirmed
	}
	for range resetAttempts {
		ui.Replug()
		if err := r.awaitRemoval(ctx, di.Path, PromptRemoveKey, "unplug the key, then plug it in again"); err != nil {
			return err
		}
		dev, di, err = r.acquireKey(ctx)
		if err != nil {
			return err
		}
		ui.Prompt(PromptTouch, "touch the key to confirm the reset")
		tctx, cancel := context.WithTimeout(ctx, s.TouchTimeout)
		err = dev.Reset(tctx)
		cancel()
		dev.Close()
		if !errors.Is(err, fido.ErrNotAllowed) {
			return err
		}
	}
	return errors.New("the key refused the reset each time: plug it in and touch it within a few seconds")
}

// resetOperator adapts a ResetUI to the prompts acquireKey makes.
type resetOperator struct{ ui ResetUI }

func (o resetOperator) Prompt(p Prompt, detail string) { o.ui.Prompt(p, detail) }
func (resetOperator) Show(Item)                        {}
func (resetOperator) Finished(Outcome, Progress)       {}
func (resetOperator) AskPIN(context.Context, int) (*pin.PIN, error) {
	return nil, errors.New("no PIN is needed for a reset")
}
func (resetOperator) ShowPIN(context.Context, Item, *pin.PIN) error { return nil }
