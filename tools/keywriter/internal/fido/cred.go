package fido

/*
#include <fido.h>
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// CredentialRequest is one makeCredential.
type CredentialRequest struct {
	// ClientDataHash is SHA-256 of the exact clientDataJSON sent on.
	ClientDataHash []byte
	RPID, RPName   string
	UserID         []byte
	UserName       string
	UserDisplay    string
	// Alg is the COSE algorithm of the new credential.
	Alg int
	// Exclude lists credential ids the key must not already hold for
	// this relying party; a key holding one answers
	// CTAP2_ERR_CREDENTIAL_EXCLUDED instead of overwriting it.
	Exclude     [][]byte
	ResidentKey bool
	// CredProtect is the credProtect level (0: not sent).
	CredProtect int
	HMACSecret  bool
}

// Attestation is the key's answer as it sent it.
type Attestation struct {
	Format string
	// AuthData is the raw authenticator data (libfido2's other accessor
	// wraps it in a CBOR byte string, the classic double-wrapping bug).
	AuthData []byte
	// AttStmt is the attestation statement's CBOR, x5c chain included.
	AttStmt      []byte
	CredentialID []byte
	AAGUID       []byte
}

// MakeCredential asks the key for a new credential, verified with p (nil
// for a key without a PIN). The key waits for a touch.
func (d *Device) MakeCredential(ctx context.Context, r CredentialRequest, p *pin.PIN) (Attestation, error) {
	cred := C.fido_cred_new()
	if cred == nil {
		return Attestation{}, errors.New("fido: out of memory")
	}
	defer C.fido_cred_free(&cred)
	if err := setRequest(cred, r); err != nil {
		return Attestation{}, err
	}
	cp, free := cPIN(p)
	defer free()
	if err := d.call(ctx, "makeCredential", func() C.int { return C.fido_dev_make_cred(d.dev, cred, cp) }); err != nil {
		return Attestation{}, err
	}
	a := Attestation{
		AuthData:     goBytes(C.fido_cred_authdata_raw_ptr(cred), C.fido_cred_authdata_raw_len(cred)),
		AttStmt:      goBytes(C.fido_cred_attstmt_ptr(cred), C.fido_cred_attstmt_len(cred)),
		CredentialID: goBytes(C.fido_cred_id_ptr(cred), C.fido_cred_id_len(cred)),
		AAGUID:       goBytes(C.fido_cred_aaguid_ptr(cred), C.fido_cred_aaguid_len(cred)),
	}
	if f := C.fido_cred_fmt(cred); f != nil {
		a.Format = C.GoString(f)
	}
	if a.Format == "" || len(a.AuthData) == 0 || len(a.AttStmt) == 0 || len(a.CredentialID) == 0 {
		return Attestation{}, errors.New("makeCredential: the key's answer lacks fmt, authData, attStmt or the credential id")
	}
	return a, nil
}

// setRequest fills a fido_cred_t. libfido2 copies every value.
func setRequest(cred *C.fido_cred_t, r CredentialRequest) error {
	rpID, rpName := cString(r.RPID), cString(r.RPName)
	defer C.free(unsafe.Pointer(rpID))
	defer C.free(unsafe.Pointer(rpName))
	name, display := cString(r.UserName), cString(r.UserDisplay)
	defer C.free(unsafe.Pointer(name))
	defer C.free(unsafe.Pointer(display))
	steps := []struct {
		what string
		rc   func() C.int
	}{
		{"algorithm", func() C.int { return C.fido_cred_set_type(cred, C.int(r.Alg)) }},
		{"clientDataHash", func() C.int {
			return C.fido_cred_set_clientdata_hash(cred, cBytes(r.ClientDataHash), C.size_t(len(r.ClientDataHash)))
		}},
		{"rp", func() C.int { return C.fido_cred_set_rp(cred, rpID, rpName) }},
		{"user", func() C.int {
			return C.fido_cred_set_user(cred, cBytes(r.UserID), C.size_t(len(r.UserID)), name, display, nil)
		}},
		{"resident key", func() C.int {
			if !r.ResidentKey {
				return C.FIDO_OK
			}
			return C.fido_cred_set_rk(cred, C.FIDO_OPT_TRUE)
		}},
		{"credProtect", func() C.int {
			if r.CredProtect == 0 {
				return C.FIDO_OK
			}
			return C.fido_cred_set_prot(cred, C.int(r.CredProtect))
		}},
		{"hmac-secret", func() C.int {
			if !r.HMACSecret {
				return C.FIDO_OK
			}
			return C.fido_cred_set_extensions(cred, C.FIDO_EXT_HMAC_SECRET)
		}},
	}
	for _, s := range steps {
		if err := result("makeCredential: "+s.what, s.rc()); err != nil {
			return err
		}
	}
	for i, id := range r.Exclude {
		if err := result("makeCredential: exclude", C.fido_cred_exclude(cred, cBytes(id), C.size_t(len(id)))); err != nil {
			return fmt.Errorf("exclude list entry %d: %w", i, err)
		}
	}
	return nil
}
