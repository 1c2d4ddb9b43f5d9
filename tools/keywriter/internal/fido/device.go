package fido

/*
#include <fido.h>
#include <fido/config.h>
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/pin"
)

// Device is an open key. Calls on it are serialised; Cancel may be called
// from any goroutine.
type Device struct {
	mu     sync.Mutex
	dev    *C.fido_dev_t
	handle cgo.Handle // the transport's, for a device opened with OpenTransport
	path   string
}

// Open opens the key at path (from Devices).
func Open(ctx context.Context, path string) (*Device, error) {
	return open(ctx, path, nil)
}

func open(ctx context.Context, path string, setup func(*C.fido_dev_t) error) (*Device, error) {
	d := &Device{dev: C.fido_dev_new(), path: path}
	if d.dev == nil {
		return nil, errors.New("fido: out of memory")
	}
	if setup != nil {
		if err := setup(d.dev); err != nil {
			C.fido_dev_free(&d.dev)
			return nil, err
		}
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	err := d.call(ctx, "open", func() C.int { return C.fido_dev_open(d.dev, cpath) })
	if err != nil {
		C.fido_dev_free(&d.dev)
		// libfido2 reports a path that vanished as an internal error.
		if errors.Is(err, ErrInternal) || errors.Is(err, ErrTX) || errors.Is(err, ErrRX) {
			err = fmt.Errorf("%w (%w)", ErrKeyGone, err)
		}
		return nil, err
	}
	if !bool(C.fido_dev_is_fido2(d.dev)) {
		d.Close()
		return nil, errors.New("fido: the key speaks only U2F (CTAP1); a FIDO2 key is needed")
	}
	return d, nil
}

// Path is where the key was opened.
func (d *Device) Path() string { return d.path }

// Close closes and frees the key's handle.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dev == nil {
		return nil
	}
	rc := C.fido_dev_close(d.dev)
	C.fido_dev_free(&d.dev)
	if d.handle != 0 {
		d.handle.Delete()
		d.handle = 0
	}
	return result("close", rc)
}

// Cancel asks the key to stop the operation in progress (it answers
// CTAP2_ERR_KEEPALIVE_CANCEL). Cancelling a call's context does the same.
func (d *Device) Cancel() {
	if dev := d.dev; dev != nil {
		C.fido_dev_cancel(dev)
	}
}

// call runs f under the device lock with ctx's deadline as libfido2's
// timeout; ctx's cancellation cancels the key's operation.
func (d *Device) call(ctx context.Context, op string, f func() C.int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dev == nil {
		return fmt.Errorf("%s: device closed", op)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	ms := C.int(-1)
	if dl, ok := ctx.Deadline(); ok {
		ms = C.int(max(time.Until(dl).Milliseconds(), 1))
	}
	if err := result("set timeout", C.fido_dev_set_timeout(d.dev, ms)); err != nil {
		return err
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(done)
		C.fido_dev_cancel(d.dev)
	})
	rc := f()
	if !stop() {
		<-done // a cancel is in flight: let it finish before the handle moves on
	}
	err := result(op, rc)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// SetPIN sets the first PIN of a key that has none.
func (d *Device) SetPIN(ctx context.Context, p *pin.PIN) error {
	c, free := cPIN(p)
	defer free()
	return d.call(ctx, "set PIN", func() C.int { return C.fido_dev_set_pin(d.dev, c, nil) })
}

// ChangePIN replaces the key's PIN.
func (d *Device) ChangePIN(ctx context.Context, old, next *pin.PIN) error {
	co, freeOld := cPIN(old)
	defer freeOld()
	cn, freeNext := cPIN(next)
	defer freeNext()
	return d.call(ctx, "change PIN", func() C.int { return C.fido_dev_set_pin(d.dev, cn, co) })
}

// PINRetries is how many wrong PINs the key still accepts.
func (d *Device) PINRetries(ctx context.Context) (int, error) {
	var n C.int
	err := d.call(ctx, "PIN retries", func() C.int { return C.fido_dev_get_retry_count(d.dev, &n) })
	return int(n), err
}

// SetMinPINLength raises the key's minimum PIN length (CTAP 2.1
// setMinPINLength; it can only grow until a reset).
func (d *Device) SetMinPINLength(ctx context.Context, n int, p *pin.PIN) error {
	c, free := cPIN(p)
	defer free()
	return d.call(ctx, "set minimum PIN length", func() C.int { return C.fido_dev_set_pin_minlen(d.dev, C.size_t(n), c) })
}

// ForcePINChange makes the key refuse its PIN until it is changed. After
// it no PIN token can be had, so it is the last PIN-using step.
func (d *Device) ForcePINChange(ctx context.Context, p *pin.PIN) error {
	c, free := cPIN(p)
	defer free()
	return d.call(ctx, "force PIN change", func() C.int { return C.fido_dev_force_pin_change(d.dev, c) })
}

// Reset factory-resets the key: every credential and the PIN go. Keys
// accept it only shortly after being plugged in and want a touch.
func (d *Device) Reset(ctx context.Context) error {
	return d.call(ctx, "reset", func() C.int { return C.fido_dev_reset(d.dev) })
}
