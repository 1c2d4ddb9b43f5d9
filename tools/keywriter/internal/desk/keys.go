package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/ceremony"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
)

// Keys is the USB bus: fido.System for real keys, a softctap.Bus in tests.
type Keys interface {
	Devices(ctx context.Context) ([]fido.DeviceInfo, error)
	Open(ctx context.Context, path string) (*fido.Device, error)
}

// keyRefusal: this key cannot serve this user; another key may.
type keyRefusal struct{ reason string }

func (e *keyRefusal) Error() string { return e.reason }

func refuse(format string, args ...any) error { return &keyRefusal{fmt.Sprintf(format, args...)} }

// prompter tells the operator what to do only when it changes.
type prompter struct {
	op   Operator
	last Prompt
	note string
}

func (p *prompter) say(pr Prompt, detail string) {
	if p.last == pr && p.note == detail {
		return
	}
	p.last, p.note = pr, detail
	p.op.Prompt(pr, detail)
}

// acquireKey waits until exactly one key is plugged in and opens it.
func (r *Runner) acquireKey(ctx context.Context) (*fido.Device, fido.DeviceInfo, error) {
	p := &prompter{op: r.Operator}
	for {
		devs, err := r.Keys.Devices(ctx)
		if err != nil {
			return nil, fido.DeviceInfo{}, fmt.Errorf("list keys: %w", err)
		}
		switch len(devs) {
		case 0:
			p.say(PromptInsertKey, "")
		case 1:
			d, err := r.Keys.Open(ctx, devs[0].Path)
			if err == nil {
				return d, devs[0], nil
			}
			if !errors.Is(err, fido.ErrKeyGone) {
				return nil, fido.DeviceInfo{}, err
			}
			// Pulled out while opening: look again.
		default:
			p.say(PromptRemoveExtra, fmt.Sprintf("%d keys are plugged in; leave only the one to write", len(devs)))
		}
		if err := sleep(ctx, r.Settings.Poll); err != nil {
			return nil, fido.DeviceInfo{}, err
		}
	}
}

// awaitRemoval waits until the key at path is unplugged.
func (r *Runner) awaitRemoval(ctx context.Context, path string, pr Prompt, detail string) error {
	r.Operator.Prompt(pr, detail)
	for {
		devs, err := r.Keys.Devices(ctx)
		if err != nil {
			return fmt.Errorf("list keys: %w", err)
		}
		if !slices.ContainsFunc(devs, func(d fido.DeviceInfo) bool { return d.Path == path }) {
			return nil
		}
		if err := sleep(ctx, r.Settings.Poll); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// checkKey refuses a key that cannot write this user's passkey the way
// Entra asks, before anything is written to it.
func (r *Runner) checkKey(info fido.Info, req ceremony.Request) error {
	rk, _ := info.Option("rk")
	switch {
	case !slices.ContainsFunc(info.Versions, func(v string) bool { return strings.HasPrefix(v, "FIDO_2_") }):
		return refuse("the key is not a FIDO2 key")
	case !r.Settings.aaguidAllowed(info.AAGUIDString()):
		return refuse("this key model (AAGUID %s) is not on the allow-list", info.AAGUIDString())
	case req.ResidentKey && !rk:
		return refuse("the key cannot store passkeys (no resident keys)")
	case !info.SupportsPIN():
		return refuse("the key has no PIN support, and Entra requires user verification")
	case info.HasPIN() && r.Settings.OnPINSet == OnPINSkip:
		return refuse("the key already has a PIN; use a fresh key, or reset this one (keywriter reset)")
	case info.HasPIN() && info.ForcePINChange:
		return refuse("the key demands a PIN change before use; reset it or change its PIN first")
	case info.RKRemaining == 0:
		return refuse("the key is full (no room for another passkey)")
	case req.EnforceCredProtect && req.CredProtect > 1 && !info.Extension("credProtect"):
		return refuse("the key lacks credProtect, which this tenant enforces")
	}
	if _, err := algorithm(req, info); err != nil {
		return err
	}
	// A list longer than the key checks at once is checked in batches by
	// the silent preflight, which cannot see credentials that need user
	// verification to be found (credProtect 3).
	if ids := excludeIDs(req, info); len(ids) > batchSize(info, len(ids)) && req.CredProtect >= 3 {
		return refuse("the user has %d existing passkey ids to check and this key checks at most %d at once; with credProtect 3 they cannot be checked in batches: use a key model with a larger list",
			len(ids), info.MaxCredCountInList)
	}
	return nil
}

// algorithm is the first algorithm Entra offers that the key has (a key
// that lists none has ES256, CTAP's mandatory one).
func algorithm(req ceremony.Request, info fido.Info) (int, error) {
	have := info.Algorithms
	if len(have) == 0 {
		have = []int{ceremony.AlgES256}
	}
	for _, a := range req.Algorithms {
		if slices.Contains(have, a) {
			return a, nil
		}
	}
	return 0, refuse("the key offers none of the algorithms Entra accepts (%v)", req.Algorithms)
}

// excludeIDs drops ids longer than the key takes: it cannot hold them.
func excludeIDs(req ceremony.Request, info fido.Info) [][]byte {
	var out [][]byte
	for _, id := range req.Exclude {
		if info.MaxCredIDLength == 0 || len(id) <= info.MaxCredIDLength {
			out = append(out, id)
		}
	}
	return out
}

// batchSize is how many ids the key checks in one request.
func batchSize(info fido.Info, ids int) int {
	if n := info.MaxCredCountInList; n > 0 {
		return n
	}
	return max(ids, 1)
}

// CheckKey says whether a key could write a passkey for Entra's usual
// options (ES256, resident key, credProtect 1) under these settings: what
// `keywriter devices` reports before any queue is read.
func (s Settings) CheckKey(info fido.Info) error {
	r := &Runner{Settings: s}
	return r.checkKey(info, ceremony.Request{Algorithms: []int{ceremony.AlgES256, ceremony.AlgRS256},
		ResidentKey: true, UserVerification: "required", CredProtect: 1, EnforceCredProtect: true})
}
