package desk

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/ceremony"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// writer writes one user's passkey to one key.
type writer struct {
	r       *Runner
	l       *lease
	it      Item
	p       fido2msg.Pending
	req     ceremony.Request
	dev     *fido.Device
	devInfo fido.DeviceInfo
	info    fido.Info

	pin      *pin.PIN
	pinSet   bool // the desk set it (and must deliver it)
	pinRef   string
	pinShown bool
}

// write runs the sequence on the key. A *keyRefusal means another key may
// do; an Outcome with StatusFailed or StatusExpired closes the item; an
// error stops the run.
func (w *writer) write(ctx context.Context) (Outcome, error) {
	info, err := w.dev.Info(ctx)
	if err != nil {
		return Outcome{}, refuse("could not read the key: %v", err)
	}
	w.info = info
	if err := w.r.checkKey(info, w.req); err != nil {
		return Outcome{}, err
	}
	alg, _ := algorithm(w.req, info)
	exclude, err := w.exclusions(ctx)
	if err != nil {
		return Outcome{}, err
	}
	// The last look at the clock and the lease before the first step that
	// changes the key.
	if w.req.Expired(w.r.now(), w.r.Settings.ExpiryMargin) {
		return w.r.expired(ctx, w.l, w.it, w.p)
	}
	if err := w.l.setVisibility(ctx, w.r.Settings.Visibility); err != nil {
		return Outcome{}, err
	}
	defer w.pin.Wipe()
	defer w.showPINIfOwed(ctx)
	if err := w.preparePIN(ctx); err != nil {
		return Outcome{}, err
	}
	cdj := w.req.ClientDataJSON()
	att, err := w.makeCredential(ctx, alg, exclude, cdj)
	if err != nil {
		return Outcome{}, err
	}
	checked, err := w.req.Check(alg, cdj, ceremony.Answer{Format: att.Format, AuthData: att.AuthData, AttStmt: att.AttStmt, CredentialID: att.CredentialID})
	if err != nil {
		return w.unusable(ctx, att, err)
	}
	return w.deliver(ctx, cdj, checked)
}

// exclusions returns the exclude list to send with makeCredential. A key
// that may hold Entra passkeys (it has a PIN) or a list longer than the
// key checks at once is first asked silently, in batches (getAssertion
// with up=false, as WebAuthn clients do): a key holding the user's
// passkey is refused before its PIN is asked for, and a long list proved
// absent is not sent at all.
func (w *writer) exclusions(ctx context.Context) ([][]byte, error) {
	ids := excludeIDs(w.req, w.info)
	if len(ids) == 0 {
		return nil, nil
	}
	n := batchSize(w.info, len(ids))
	fits := len(ids) <= n
	if fits && !w.info.HasPIN() {
		return ids, nil // a key without a PIN holds no passkey Entra registered; the key checks the list itself
	}
	for start := 0; start < len(ids); start += n {
		held, err := w.dev.HoldsAny(ctx, w.req.RPID, ids[start:min(start+n, len(ids))])
		if err != nil {
			return nil, refuse("could not check the key for the user's existing passkeys: %v", err)
		}
		if held {
			return nil, refuse("this key already holds a passkey for this user; use another key")
		}
	}
	if fits {
		return ids, nil
	}
	return nil, nil
}

// preparePIN gives the key a PIN the desk makes, stored first, or takes
// the one the operator types for a key that has one.
func (w *writer) preparePIN(ctx context.Context) error {
	if w.info.HasPIN() {
		return w.askPIN(ctx)
	}
	n := max(w.r.Settings.PINLength, w.info.MinPINLength)
	for range 2 {
		p, err := pin.Generate(n)
		if err != nil {
			return err
		}
		ref, err := w.storePIN(ctx, p)
		if err != nil {
			p.Wipe()
			if ctx.Err() != nil {
				return err
			}
			return fmt.Errorf("%w: %w", errHalt, err) // nothing is on the key yet
		}
		err = w.dev.SetPIN(ctx, p)
		if errors.Is(err, fido.ErrPINPolicyViolation) {
			p.Wipe() // the key's own PIN rules: try a longer one
			n = min(n+2, pin.MaxLength)
			continue
		}
		if err != nil {
			p.Wipe()
			return refuse("the key refused a new PIN: %v", err)
		}
		w.pin, w.pinSet, w.pinRef = p, true, ref
		return nil
	}
	return refuse("the key refused two generated PINs (its own PIN policy)")
}

// storePIN keeps the PIN before it is set, so a PIN on a key is never one
// nobody knows, whatever fails afterwards.
func (w *writer) storePIN(ctx context.Context, p *pin.PIN) (string, error) {
	if w.r.Settings.Delivery != DeliverVault {
		return "", nil
	}
	return w.r.PINs.Put(ctx, PINSecret{JobID: w.p.JobID, Index: w.p.Index, UserID: w.p.User.ID,
		AAGUID: w.info.AAGUIDString(), Serial: w.devInfo.Serial, Workstation: w.r.Settings.Workstation, PIN: p})
}

// showPINIfOwed shows a PIN the desk set on screen, once, on every path:
// the key has it whether or not the item succeeded.
func (w *writer) showPINIfOwed(ctx context.Context) {
	if !w.pinSet || w.pinShown || w.r.Settings.Delivery != DeliverScreen {
		return
	}
	w.pinShown = true
	if err := w.r.Operator.ShowPIN(context.WithoutCancel(ctx), w.it, w.pin); err != nil {
		w.r.log().Error("could not show the PIN", "err", err)
	}
}

// makeCredential asks for the touch, again on a timeout, and for the PIN
// again when the operator typed a wrong one.
func (w *writer) makeCredential(ctx context.Context, alg int, exclude [][]byte, cdj []byte) (fido.Attestation, error) {
	fr := fido.CredentialRequest{
		ClientDataHash: ceremony.ClientDataHash(cdj), RPID: w.req.RPID, RPName: w.req.RPName,
		UserID: w.req.UserID, UserName: w.req.UserName, UserDisplay: w.req.UserDisplayName, Alg: alg,
		Exclude: exclude, ResidentKey: w.req.ResidentKey, CredProtect: w.req.CredProtect,
		HMACSecret: w.req.HMACSecret && w.info.Extension("hmac-secret"),
	}
	if !w.info.Extension("credProtect") {
		fr.CredProtect = 0 // level 1 is the default; higher levels were refused in checkKey
	}
	touches := 0
	for {
		w.r.Operator.Prompt(PromptTouch, "")
		tctx, cancel := context.WithTimeout(ctx, w.r.Settings.TouchTimeout)
		att, err := w.dev.MakeCredential(tctx, fr, w.pin)
		cancel()
		switch {
		case err == nil:
			return att, nil
		case ctx.Err() != nil:
			return fido.Attestation{}, err
		case fido.Timeout(err) || errors.Is(err, context.DeadlineExceeded):
			if touches++; touches < w.r.Settings.TouchAttempts {
				continue
			}
			return fido.Attestation{}, refuse("the key was not touched")
		case errors.Is(err, fido.ErrCredentialExcluded):
			return fido.Attestation{}, refuse("this key already holds a passkey for this user; use another key")
		case errors.Is(err, fido.ErrKeyStoreFull):
			return fido.Attestation{}, refuse("the key is full")
		case errors.Is(err, fido.ErrPINInvalid) && !w.pinSet:
			if err := w.askPIN(ctx); err != nil {
				return fido.Attestation{}, err
			}
		case errors.Is(err, fido.ErrPINBlocked) || errors.Is(err, fido.ErrPINAuthBlocked):
			return fido.Attestation{}, refuse("the key's PIN is blocked; it must be reset")
		default:
			return fido.Attestation{}, refuse("the key could not make the passkey: %v", err)
		}
	}
}

// askPIN has the operator type the key's PIN (again, after a wrong one).
func (w *writer) askPIN(ctx context.Context) error {
	w.pin.Wipe()
	retries, err := w.dev.PINRetries(ctx)
	if err != nil {
		return refuse("could not read the key's PIN retries: %v", err)
	}
	p, err := w.r.Operator.AskPIN(ctx, retries)
	if err != nil {
		return err
	}
	if p.Empty() {
		return refuse("no PIN given for a key that has one")
	}
	w.pin = p
	return nil
}

// unusable closes an item whose credential failed the desk's checks: the
// credential stays on the key unused and nothing is sent.
func (w *writer) unusable(ctx context.Context, att fido.Attestation, cause error) (Outcome, error) {
	id := base64.RawURLEncoding.EncodeToString(att.CredentialID)
	reason := "the key's answer failed the checks, nothing sent: " + cause.Error()
	_ = w.l.setVisibility(context.WithoutCancel(ctx), w.r.Settings.RetryLater)
	if err := w.r.Journal.Append(journal.Entry{Event: journal.EventFailed, JobID: w.p.JobID, Index: w.p.Index,
		UserID: w.p.User.ID, UPN: w.p.User.UPN, CredentialID: id, Reason: reason, Workstation: w.r.Settings.Workstation}); err != nil {
		return Outcome{}, err
	}
	return Outcome{Status: StatusFailed, Reason: reason, Item: w.it, Key: w.keyInfo(), CredentialID: id, PINRef: w.pinRef}, nil
}

// deliver journals the credential, sends the result, shows the PIN,
// applies the PIN policy and closes the message, in that order.
func (w *writer) deliver(ctx context.Context, cdj []byte, checked ceremony.Checked) (Outcome, error) {
	key := w.keyInfo()
	credID := base64.RawURLEncoding.EncodeToString(checked.AuthData.CredentialID)
	res := ceremony.Result(w.p, ceremony.Written{ClientDataJSON: cdj, Checked: checked, Key: key,
		Serial: displaySerial(key, checked.AuthData.CredentialID), Workstation: w.r.Settings.Workstation, At: w.r.now()})
	text, err := fido2msg.Encode(res)
	if err != nil {
		return Outcome{}, err
	}
	written := journal.Entry{Event: journal.EventWritten, JobID: w.p.JobID, Index: w.p.Index, UserID: w.p.User.ID,
		UPN: w.p.User.UPN, Challenge: journal.ChallengeHash(w.req.Challenge), IssuedAt: w.p.IssuedAt, Expires: w.req.Expires,
		CredentialID: credID, Key: &key, Result: text, Workstation: w.r.Settings.Workstation}
	if err := w.r.Journal.Append(written); err != nil {
		return Outcome{}, fmt.Errorf("%w: journal the written credential (nothing sent): %w", errStop, err)
	}
	if w.r.crashed("written", w.l) {
		return Outcome{}, errCrashed
	}
	if err := w.r.send(ctx, written); err != nil {
		return Outcome{}, fmt.Errorf("%w: send the result (it is journaled and the next run sends it): %w", errStop, err)
	}
	if w.r.crashed("sent", w.l) {
		return Outcome{}, errCrashed
	}
	w.showPINIfOwed(ctx)
	note := w.finalize(ctx)
	if err := w.r.Journal.Append(journal.Entry{Event: journal.EventFinalized, CredentialID: credID, Reason: note}); err != nil {
		return Outcome{}, err
	}
	if err := w.l.delete(ctx); err != nil {
		return Outcome{}, err
	}
	if err := w.r.Journal.Append(journal.Entry{Event: journal.EventDone, CredentialID: credID}); err != nil {
		return Outcome{}, err
	}
	return Outcome{Status: StatusWritten, Item: w.it, Key: key, CredentialID: credID, PINRef: w.pinRef, Finalize: note}, nil
}

// finalize sets the minimum PIN length and forces a PIN change, the last
// PIN-using step: afterwards no PIN token can be had. What could not be
// applied is returned as a note; it does not undo the written key.
func (w *writer) finalize(ctx context.Context) string {
	s := w.r.Settings
	if s.MinPINLength == 0 && !s.ForcePINChange {
		return ""
	}
	if !w.info.SetMinPINLength() {
		return "not applied: the key lacks CTAP 2.1 setMinPINLength (minimum PIN length, forced PIN change)"
	}
	var notes []string
	if s.MinPINLength > w.info.MinPINLength {
		if err := w.dev.SetMinPINLength(ctx, s.MinPINLength, w.pin); err != nil {
			notes = append(notes, "minimum PIN length not set: "+err.Error())
		}
	}
	if s.ForcePINChange {
		if err := w.dev.ForcePINChange(ctx, w.pin); err != nil {
			notes = append(notes, "forced PIN change not set: "+err.Error())
		}
	}
	return strings.Join(notes, "; ")
}

func (w *writer) keyInfo() fido2msg.KeyInfo {
	model := strings.TrimSpace(w.devInfo.Product)
	if model == "" {
		model = strings.TrimSpace(w.devInfo.Manufacturer)
	}
	if model == "" {
		model = "Security key"
	}
	// The CTAPHID device version is the firmware version on the keys we
	// know (YubiKey 5.7.1 answers 5.7.1); getInfo's number is vendor
	// specific and used only when the HID version is empty.
	fw := w.info.HIDVersion
	if (fw == "" || fw == "0.0.0") && w.info.FirmwareVersion != 0 {
		fw = strconv.FormatUint(w.info.FirmwareVersion, 10)
	}
	return fido2msg.KeyInfo{AAGUID: w.info.AAGUIDString(), Model: model, Serial: w.devInfo.Serial, Firmware: fw}
}

// displaySerial is what {serial} in a display name becomes: the key's
// USB serial string when it exposes one, else "#" and six hex digits of
// SHA-256(credential id) (libfido2 cannot ask a key for a vendor serial).
func displaySerial(k fido2msg.KeyInfo, credentialID []byte) string {
	if k.Serial != "" {
		return k.Serial
	}
	return CredentialTag(credentialID)
}

// CredentialTag is the short fingerprint of a credential id.
func CredentialTag(credentialID []byte) string {
	h := sha256.Sum256(credentialID)
	return "#" + hex.EncodeToString(h[:3])
}

func (r *Runner) crashed(step string, l *lease) bool { return r.crash != nil && r.crash(step, l) }
