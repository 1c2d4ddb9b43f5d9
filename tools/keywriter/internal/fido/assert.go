package fido

/*
#include <fido.h>
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"crypto/rand"
	"errors"
	"unsafe"
)

// HoldsAny reports whether the key holds one of ids for rpID. It asks
// silently (getAssertion with up=false, no PIN, no touch), the preflight
// WebAuthn clients make when an exclude list is longer than a key takes
// at once. Credentials that need user verification even to be found
// (credProtect 3) stay hidden from it.
func (d *Device) HoldsAny(ctx context.Context, rpID string, ids [][]byte) (bool, error) {
	if len(ids) == 0 {
		return false, nil
	}
	a := C.fido_assert_new()
	if a == nil {
		return false, errors.New("fido: out of memory")
	}
	defer C.fido_assert_free(&a)
	cdh := make([]byte, 32) // nothing is signed for anyone: any hash will do
	_, _ = rand.Read(cdh)
	rp := C.CString(rpID)
	defer C.free(unsafe.Pointer(rp))
	if err := result("preflight: rp", C.fido_assert_set_rp(a, rp)); err != nil {
		return false, err
	}
	if err := result("preflight: clientDataHash", C.fido_assert_set_clientdata_hash(a, cBytes(cdh), C.size_t(len(cdh)))); err != nil {
		return false, err
	}
	if err := result("preflight: up", C.fido_assert_set_up(a, C.FIDO_OPT_FALSE)); err != nil {
		return false, err
	}
	for _, id := range ids {
		if err := result("preflight: allow list", C.fido_assert_allow_cred(a, cBytes(id), C.size_t(len(id)))); err != nil {
			return false, err
		}
	}
	err := d.call(ctx, "preflight", func() C.int { return C.fido_dev_get_assert(d.dev, a, nil) })
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNoCredentials):
		return false, nil
	}
	return false, err
}
