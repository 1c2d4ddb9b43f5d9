// Package fido is the desk's binding to libfido2 (≥ 1.12, found with
// pkg-config): device enumeration, getInfo, setting and changing a PIN,
// makeCredential with an exclude list and the raw attestation statement,
// the silent getAssertion preflight for exclude lists longer than a key
// takes at once, CTAP 2.1 authenticatorConfig (minimum PIN length, forced
// PIN change), factory reset, cancellation and timeouts, and a transport
// hook that puts an in-process authenticator under the real library.
//
// Why not github.com/keys-pub/go-libfido2: it cannot send an exclude list
// (without one a key silently overwrites the user's earlier passkey), it
// returns only the x5c leaf (Entra's attestation enforcement needs the
// chain), it has no authenticatorConfig, no timeouts, no transport hook,
// hard-coded library paths instead of pkg-config, and it leaves PINs in
// unfreed C strings (shared/reference/fido2-keywriter.md §2).
//
// PINs cross into C in malloc'd buffers that are zeroed before they are
// freed. Every call that may wait for a touch takes a context: its
// deadline becomes libfido2's timeout and its cancellation sends
// CTAPHID_CANCEL to the key.
//
// cgo stays inside tools/keywriter: the Functions binary is built with
// CGO_ENABLED=0 and never imports this package.
package fido

/*
#cgo pkg-config: libfido2
#include <fido.h>
#include <stdlib.h>

// kw_free_secret zeroes a C copy of a PIN before freeing it; the volatile
// writes are not optimised away.
static void kw_free_secret(char *p, size_t n) {
	volatile char *v = p;
	while (n--)
		*v++ = 0;
	free(p);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

func init() {
	// No FIDO_DEBUG: libfido2's debug log would print every frame.
	C.fido_init(0)
}

// Error is a libfido2 result other than FIDO_OK: a CTAP2 status from the
// key (0x01..0xff) or one of libfido2's own (negative).
type Error struct {
	Op   string
	Code int
}

func (e *Error) Error() string {
	msg := C.GoString(C.fido_strerr(C.int(e.Code)))
	if e.Op == "" {
		return fmt.Sprintf("%s (0x%02x)", msg, e.Code)
	}
	return fmt.Sprintf("%s: %s (0x%02x)", e.Op, msg, e.Code)
}

// Is matches the sentinels below by code, whatever the operation.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Op == "" && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrTX                  = &Error{Code: C.FIDO_ERR_TX}
	ErrRX                  = &Error{Code: C.FIDO_ERR_RX}
	ErrInternal            = &Error{Code: C.FIDO_ERR_INTERNAL}
	ErrInvalidCommand      = &Error{Code: C.FIDO_ERR_INVALID_COMMAND}
	ErrLimitExceeded       = &Error{Code: C.FIDO_ERR_LIMIT_EXCEEDED}
	ErrCredentialExcluded  = &Error{Code: C.FIDO_ERR_CREDENTIAL_EXCLUDED}
	ErrUnsupportedAlg      = &Error{Code: C.FIDO_ERR_UNSUPPORTED_ALGORITHM}
	ErrOperationDenied     = &Error{Code: C.FIDO_ERR_OPERATION_DENIED}
	ErrKeyStoreFull        = &Error{Code: C.FIDO_ERR_KEY_STORE_FULL}
	ErrUnsupportedOption   = &Error{Code: C.FIDO_ERR_UNSUPPORTED_OPTION}
	ErrKeepaliveCancel     = &Error{Code: C.FIDO_ERR_KEEPALIVE_CANCEL}
	ErrNoCredentials       = &Error{Code: C.FIDO_ERR_NO_CREDENTIALS}
	ErrUserActionTimeout   = &Error{Code: C.FIDO_ERR_USER_ACTION_TIMEOUT}
	ErrActionTimeout       = &Error{Code: C.FIDO_ERR_ACTION_TIMEOUT}
	ErrNotAllowed          = &Error{Code: C.FIDO_ERR_NOT_ALLOWED}
	ErrPINInvalid          = &Error{Code: C.FIDO_ERR_PIN_INVALID}
	ErrPINBlocked          = &Error{Code: C.FIDO_ERR_PIN_BLOCKED}
	ErrPINAuthInvalid      = &Error{Code: C.FIDO_ERR_PIN_AUTH_INVALID}
	ErrPINAuthBlocked      = &Error{Code: C.FIDO_ERR_PIN_AUTH_BLOCKED}
	ErrPINNotSet           = &Error{Code: C.FIDO_ERR_PIN_NOT_SET}
	ErrPINRequired         = &Error{Code: C.FIDO_ERR_PIN_REQUIRED}
	ErrPINPolicyViolation  = &Error{Code: C.FIDO_ERR_PIN_POLICY_VIOLATION}
	ErrUnauthorizedPerm    = &Error{Code: C.FIDO_ERR_UNAUTHORIZED_PERM}
	ErrInvalidArgument     = &Error{Code: C.FIDO_ERR_INVALID_ARGUMENT}
	ErrUserPresenceMissing = &Error{Code: C.FIDO_ERR_USER_PRESENCE_REQUIRED}
)

// ErrKeyGone wraps failures that mean the key is no longer there.
var ErrKeyGone = errors.New("the key did not answer: was it removed?")

// result turns a libfido2 return code into an error.
func result(op string, rc C.int) error {
	if rc == C.FIDO_OK {
		return nil
	}
	return &Error{Op: op, Code: int(rc)}
}

// Timeout reports whether err is the key (or libfido2) giving up waiting
// for the operator.
func Timeout(err error) bool {
	return errors.Is(err, ErrUserActionTimeout) || errors.Is(err, ErrActionTimeout)
}

// cPIN copies a PIN into a NUL-terminated C buffer and returns a function
// that zeroes and frees it. An empty PIN is NULL, which libfido2 reads as
// "no PIN".
func cPIN(p *pin.PIN) (*C.char, func()) {
	if p.Empty() {
		return nil, func() {}
	}
	b := p.Bytes()
	n := len(b) + 1
	c := (*C.char)(C.malloc(C.size_t(n)))
	s := unsafe.Slice((*byte)(unsafe.Pointer(c)), n)
	copy(s, b)
	s[len(b)] = 0
	return c, func() { C.kw_free_secret(c, C.size_t(n)) }
}

// cString is C.CString with "" as NULL; free with C.free (NULL is fine).
func cString(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

// cBytes points at b's first byte for a call that copies it; nil for an
// empty slice (whose first byte does not exist).
func cBytes(b []byte) *C.uchar {
	if len(b) == 0 {
		return nil
	}
	return (*C.uchar)(unsafe.Pointer(&b[0]))
}

// goBytes copies n bytes at p; nil for a NULL pointer.
func goBytes(p *C.uchar, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}
