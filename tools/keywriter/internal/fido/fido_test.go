package fido_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/ceremony"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

const rpID = "login.microsoft.com"

// plug makes a software key, plugs it into a bus and opens it through
// libfido2.
func plug(t testing.TB, o softctap.Options) (*softctap.Key, *softctap.Bus, *fido.Device) {
	t.Helper()
	k, err := softctap.New(o)
	if err != nil {
		t.Fatal(err)
	}
	bus := softctap.NewBus()
	d, err := bus.Open(context.Background(), bus.Insert(k))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return k, bus, d
}

func pinOf(s string) *pin.PIN { return pin.FromBytes([]byte(s)) }

func request(challenge string, exclude ...[]byte) (ceremony.Request, fido.CredentialRequest) {
	r := ceremony.Request{RPID: rpID, RPName: "Microsoft", UserID: []byte("OF:user-handle"), UserName: "nora@contoso.example",
		UserDisplayName: "Nora New", Challenge: []byte(challenge), Algorithms: []int{-7, -257}, Exclude: exclude,
		ResidentKey: true, UserVerification: "required", CredProtect: 1, EnforceCredProtect: true, HMACSecret: true}
	return r, fido.CredentialRequest{ClientDataHash: ceremony.ClientDataHash(r.ClientDataJSON()), RPID: r.RPID, RPName: r.RPName,
		UserID: r.UserID, UserName: r.UserName, UserDisplay: r.UserDisplayName, Alg: -7, Exclude: exclude,
		ResidentKey: true, CredProtect: 1, HMACSecret: true}
}

func TestInfo(t *testing.T) {
	k, _, d := plug(t, softctap.Options{Firmware: 0x050703})
	info, err := d.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !info.CTAP21() || info.AAGUID != k.AAGUID() || info.HasPIN() || !info.SupportsPIN() || !info.SetMinPINLength() {
		t.Errorf("info %+v", info)
	}
	if !slices.Equal(info.Protocols, []int{1}) || !slices.Equal(info.Algorithms, []int{-7}) || info.MaxCredCountInList != 8 ||
		info.MaxCredIDLength != 128 || info.MinPINLength != 4 || info.RKRemaining != 25 || info.FirmwareVersion != 0x050703 ||
		!info.Extension("credProtect") || !info.Extension("hmac-secret") || info.HIDVersion != "5.7.1" {
		t.Errorf("info %+v", info)
	}
	if got := k.Calls(); !slices.Equal(got, []string{"getInfo", "getInfo"}) {
		t.Errorf("calls %q (libfido2 reads getInfo when it opens a key)", got)
	}
}

// The desk's whole sequence on a fresh key: set a PIN, make a credential
// with the exclude list, then raise the minimum PIN length and force a
// change, last.
func TestWriteSequence(t *testing.T) {
	k, _, d := plug(t, softctap.Options{})
	ctx := context.Background()
	p := pinOf("583920")
	if err := d.SetPIN(ctx, p); err != nil {
		t.Fatal(err)
	}
	if !k.PINIs("583920") {
		t.Fatal("the key did not take the PIN")
	}
	other := bytes.Repeat([]byte{7}, 32)
	req, fr := request("challenge-1", other)
	att, err := d.MakeCredential(ctx, fr, p)
	if err != nil {
		t.Fatal(err)
	}
	checked, err := req.Check(-7, req.ClientDataJSON(), ceremony.Answer{Format: att.Format, AuthData: att.AuthData, AttStmt: att.AttStmt, CredentialID: att.CredentialID})
	if err != nil {
		t.Fatalf("the desk refuses what libfido2 returned: %v", err)
	}
	if !checked.Attested || checked.AuthData.CredProtect != 1 || !checked.AuthData.HMACSecret || checked.AuthData.Flags&ceremony.FlagUV == 0 {
		t.Errorf("checked %+v", checked.AuthData)
	}
	if aaguid := k.AAGUID(); !bytes.Equal(att.AAGUID, aaguid[:]) {
		t.Errorf("aaguid %x", att.AAGUID)
	}
	// The attestation statement keeps the whole chain, which verifies to
	// the key's root.
	var stmt struct {
		X5c [][]byte `cbor:"x5c"`
	}
	if err := cbor.Unmarshal(att.AttStmt, &stmt); err != nil || len(stmt.X5c) != 2 {
		t.Fatalf("x5c of %d certificates: %v", len(stmt.X5c), err)
	}
	verifyChain(t, stmt.X5c, k.AttestationRoot())

	// The same key, the same user, the new credential excluded: refused
	// instead of overwritten.
	_, fr2 := request("challenge-2", att.CredentialID)
	if _, err := d.MakeCredential(ctx, fr2, p); !errors.Is(err, fido.ErrCredentialExcluded) {
		t.Fatalf("excluded credential: %v", err)
	}
	if creds := k.Credentials(); len(creds) != 1 || !bytes.Equal(creds[0].ID, att.CredentialID) || !creds[0].Resident {
		t.Errorf("key holds %+v", creds)
	}

	if err := d.SetMinPINLength(ctx, 6, p); err != nil {
		t.Fatal(err)
	}
	if err := d.ForcePINChange(ctx, p); err != nil {
		t.Fatal(err)
	}
	if k.MinPINLength() != 6 || !k.ForcePINChange() {
		t.Errorf("min %d, force %v", k.MinPINLength(), k.ForcePINChange())
	}
	// After a forced change no PIN token can be had: why it comes last.
	_, fr3 := request("challenge-3")
	if _, err := d.MakeCredential(ctx, fr3, p); !errors.Is(err, fido.ErrPINPolicyViolation) {
		t.Errorf("after forced change: %v", err)
	}
	want := []string{"getInfo", "clientPIN getKeyAgreement", "clientPIN setPIN",
		"clientPIN getKeyAgreement", "clientPIN getPinUvAuthTokenUsingPinWithPermissions",
		"makeCredential rp=login.microsoft.com rk excludeList=1 pin=true ext=credProtect,hmac-secret"}
	if got := k.Calls(); !slices.Equal(got[:len(want)], want) {
		t.Errorf("calls\n got %q\nwant %q", got[:len(want)], want)
	}
	if got := k.Calls(); !slices.Contains(got, "authenticatorConfig setMinPINLength min=6 force=false") ||
		!slices.Contains(got, "authenticatorConfig setMinPINLength min=0 force=true") {
		t.Errorf("config calls missing: %q", got)
	}
}

func verifyChain(t *testing.T, x5c [][]byte, root *x509.Certificate) {
	t.Helper()
	leaf, err := x509.ParseCertificate(x5c[0])
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(x5c[1])
	if err != nil {
		t.Fatal(err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	inters.AddCert(inter)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("x5c does not chain to the root: %v", err)
	}
}

func TestPINErrors(t *testing.T) {
	k, _, d := plug(t, softctap.Options{PIN: "583920"})
	ctx := context.Background()
	_, fr := request("challenge")
	if _, err := d.MakeCredential(ctx, fr, nil); !errors.Is(err, fido.ErrPINRequired) {
		t.Errorf("no PIN on a PIN key: %v", err)
	}
	if _, err := d.MakeCredential(ctx, fr, pinOf("111111")); !errors.Is(err, fido.ErrPINInvalid) {
		t.Errorf("wrong PIN: %v", err)
	}
	if n, err := d.PINRetries(ctx); err != nil || n != 7 {
		t.Errorf("retries %d %v", n, err)
	}
	if err := d.SetPIN(ctx, pinOf("274615")); !errors.Is(err, fido.ErrNotAllowed) {
		t.Errorf("setPIN over a PIN: %v", err)
	}
	if err := d.ChangePIN(ctx, pinOf("583920"), pinOf("274615")); err != nil || !k.PINIs("274615") {
		t.Errorf("change PIN: %v", err)
	}
	// libfido2 refuses a PIN under 4 bytes without asking the key.
	if err := d.ChangePIN(ctx, pinOf("274615"), pinOf("12")); !errors.Is(err, fido.ErrPINPolicyViolation) {
		t.Errorf("short PIN: %v", err)
	}
}

// Cancelling the context while the key waits for a touch cancels the key
// (CTAPHID_CANCEL through the transport, from another goroutine).
func TestCancelWhileWaitingForTouch(t *testing.T) {
	k, _, d := plug(t, softctap.Options{ManualTouch: true})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-k.Waiting()
		cancel()
	}()
	_, fr := request("challenge")
	_, err := d.MakeCredential(ctx, fr, nil)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, fido.ErrKeepaliveCancel) {
		t.Fatalf("err = %v", err)
	}
	if len(k.Credentials()) != 0 {
		t.Error("a cancelled request made a credential")
	}
	// The next request is not cancelled by the old signal.
	go func() {
		<-k.Waiting()
		k.Touch()
	}()
	if _, err := d.MakeCredential(context.Background(), fr, nil); err != nil {
		t.Fatalf("after a cancel: %v", err)
	}
}

func TestRemovedKey(t *testing.T) {
	_, bus, d := plug(t, softctap.Options{})
	bus.RemoveAll()
	if _, err := d.Info(context.Background()); err == nil {
		t.Error("a removed key answered")
	}
	if _, err := bus.Open(context.Background(), "softctap:1"); !errors.Is(err, fido.ErrKeyGone) {
		t.Errorf("open a removed key: %v", err)
	}
}

// A key that allows reset only after being plugged in: refused, then
// accepted after a replug.
func TestResetNeedsReplug(t *testing.T) {
	k, bus, d := plug(t, softctap.Options{ResetNeedsReplug: true})
	ctx := context.Background()
	if err := d.SetPIN(ctx, pinOf("583920")); err != nil {
		t.Fatal(err)
	}
	if err := d.Reset(ctx); !errors.Is(err, fido.ErrNotAllowed) {
		t.Fatalf("reset long after plug-in: %v", err)
	}
	d.Close()
	bus.RemoveAll()
	d2, err := bus.Open(ctx, bus.Insert(k))
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if err := d2.Reset(ctx); err != nil || k.HasPIN() {
		t.Fatalf("reset after replug: %v, PIN still set %v", err, k.HasPIN())
	}
}

// The key holds to its minimum PIN length, which only grows: a short PIN
// is refused; raising the minimum above the PIN's length forces a change,
// and until the change no PIN token (so no credential) can be had.
func TestMinPINLengthEnforced(t *testing.T) {
	k, _, d := plug(t, softctap.Options{MinPINLength: 8})
	ctx := context.Background()
	if err := d.SetPIN(ctx, pinOf("583920")); !errors.Is(err, fido.ErrPINPolicyViolation) || k.HasPIN() {
		t.Fatalf("a 6-digit PIN on a key whose minimum is 8: %v", err)
	}
	p := pinOf("58392047")
	if err := d.SetPIN(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := d.SetMinPINLength(ctx, 10, p); err != nil {
		t.Fatal(err)
	}
	info, err := d.Info(ctx)
	if err != nil || info.MinPINLength != 10 || !info.ForcePINChange {
		t.Fatalf("after raising the minimum over the PIN: min %d, forced change %v (%v)", info.MinPINLength, info.ForcePINChange, err)
	}
	_, fr := request("challenge")
	if _, err := d.MakeCredential(ctx, fr, p); !errors.Is(err, fido.ErrPINPolicyViolation) {
		t.Errorf("makeCredential before the forced change: %v", err)
	}
	if err := d.ChangePIN(ctx, p, pinOf("583920471")); !errors.Is(err, fido.ErrPINPolicyViolation) {
		t.Errorf("a 9-digit PIN under a minimum of 10: %v", err)
	}
	longer := pinOf("5839204716")
	if err := d.ChangePIN(ctx, p, longer); err != nil || !k.PINIs("5839204716") {
		t.Fatalf("change to 10 digits: %v", err)
	}
	if err := d.SetMinPINLength(ctx, 6, longer); !errors.Is(err, fido.ErrPINPolicyViolation) || k.MinPINLength() != 10 {
		t.Errorf("lowering the minimum: %v, now %d", err, k.MinPINLength())
	}
	if _, err := d.MakeCredential(ctx, fr, longer); err != nil {
		t.Errorf("makeCredential after the change: %v", err)
	}
}

func TestCTAP20KeyHasNoConfig(t *testing.T) {
	_, _, d := plug(t, softctap.Options{CTAP20: true, PIN: "583920"})
	info, err := d.Info(context.Background())
	if err != nil || info.CTAP21() || info.SetMinPINLength() {
		t.Fatalf("info %+v %v", info, err)
	}
	_, fr := request("challenge")
	if _, err := d.MakeCredential(context.Background(), fr, pinOf("583920")); err != nil {
		t.Fatalf("CTAP 2.0 getPinToken path: %v", err)
	}
	err = d.SetMinPINLength(context.Background(), 6, pinOf("583920"))
	if err == nil || !strings.Contains(err.Error(), "minimum PIN length") {
		t.Errorf("config on a CTAP 2.0 key: %v", err)
	}
}

func TestErrorsMatchByCode(t *testing.T) {
	err := error(&fido.Error{Op: "makeCredential", Code: 0x19})
	if !errors.Is(err, fido.ErrCredentialExcluded) || errors.Is(err, fido.ErrPINInvalid) {
		t.Error("errors.Is by code")
	}
	if s := err.Error(); !strings.Contains(s, "makeCredential") || !strings.Contains(s, "0x19") {
		t.Errorf("message %q", s)
	}
}

// BenchmarkMakeCredential is one PIN-verified makeCredential with an
// exclude list through libfido2 and the transport hook: key agreement,
// PIN token, the credential and its packed attestation (the software
// key's crypto included).
func BenchmarkMakeCredential(b *testing.B) {
	_, _, d := plug(b, softctap.Options{Capacity: 1 << 20})
	ctx := context.Background()
	p := pinOf("583920")
	if err := d.SetPIN(ctx, p); err != nil {
		b.Fatal(err)
	}
	_, fr := request("challenge", bytes.Repeat([]byte{7}, 32))
	for b.Loop() {
		if _, err := d.MakeCredential(ctx, fr, p); err != nil {
			b.Fatal(err)
		}
	}
}

// The silent preflight finds a held credential in an allow list without a
// touch or a PIN, and says no for ids the key does not hold.
func TestHoldsAny(t *testing.T) {
	k, _, d := plug(t, softctap.Options{ManualTouch: true, PIN: "583920"})
	ctx := context.Background()
	_, fr := request("challenge")
	go func() {
		<-k.Waiting()
		k.Touch()
	}()
	att, err := d.MakeCredential(ctx, fr, pinOf("583920"))
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{9}, 32)
	if held, err := d.HoldsAny(ctx, rpID, [][]byte{other, att.CredentialID}); err != nil || !held {
		t.Errorf("held credential: %v %v", held, err)
	}
	if held, err := d.HoldsAny(ctx, rpID, [][]byte{other}); err != nil || held {
		t.Errorf("other credential: %v %v", held, err)
	}
	if held, err := d.HoldsAny(ctx, "other.example", [][]byte{att.CredentialID}); err != nil || held {
		t.Errorf("other relying party: %v %v", held, err)
	}
	want := "getAssertion rp=login.microsoft.com allowList=2 up=false pin=false"
	if !slices.Contains(k.Calls(), want) {
		t.Errorf("calls %q", k.Calls())
	}
}
