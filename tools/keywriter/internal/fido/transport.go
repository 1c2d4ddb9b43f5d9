package fido

/*
#include <fido.h>
#include <stdint.h>

extern uintptr_t kwIOOpen(char *path);
extern int kwTx(uintptr_t h, uint8_t cmd, unsigned char *buf, size_t n);
extern int kwRx(uintptr_t h, uint8_t cmd, unsigned char *buf, size_t n, int ms);

// The io functions libfido2 requires beside transport functions: open
// returns the transport's handle, which libfido2 hands back through
// fido_dev_io_handle; read and write are never called once tx and rx are
// set.
static void *kw_io_open(const char *path) { return (void *)kwIOOpen((char *)path); }
static void kw_io_close(void *h) { (void)h; }
static int kw_io_read(void *h, unsigned char *b, size_t n, int ms) { (void)h; (void)b; (void)n; (void)ms; return -1; }
static int kw_io_write(void *h, const unsigned char *b, size_t n) { (void)h; (void)b; (void)n; return -1; }

// tx and rx carry whole CTAPHID messages: libfido2 skips HID framing when
// transport functions are set (src/io.c).
static int kw_tx(fido_dev_t *d, uint8_t cmd, const unsigned char *b, size_t n) {
	return kwTx((uintptr_t)fido_dev_io_handle(d), cmd, (unsigned char *)b, n);
}
static int kw_rx(fido_dev_t *d, uint8_t cmd, unsigned char *b, size_t n, int ms) {
	return kwRx((uintptr_t)fido_dev_io_handle(d), cmd, b, n, ms);
}

static int kw_use_transport(fido_dev_t *d) {
	fido_dev_io_t io = { kw_io_open, kw_io_close, kw_io_read, kw_io_write };
	fido_dev_transport_t t = { kw_rx, kw_tx };
	int r = fido_dev_set_io_functions(d, &io);
	return r != FIDO_OK ? r : fido_dev_set_transport_functions(d, &t);
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync"
	"sync/atomic"
	"time"
)

// CTAPHID commands a Transport sees (without the 0x80 frame bit).
const (
	CmdPing   = 0x01
	CmdMsg    = 0x03
	CmdInit   = 0x06
	CmdWink   = 0x08
	CmdCBOR   = 0x10
	CmdCancel = 0x11
)

// Transport carries whole CTAPHID messages to an authenticator that is not
// a HID device. The software authenticator of the tests implements it, so
// every other line of the binding, and all of libfido2, runs as it does
// for a USB key.
type Transport interface {
	// Transact sends one command with its payload and returns the reply
	// payload, waiting at most timeout (negative: no limit).
	Transact(cmd byte, payload []byte, timeout time.Duration) ([]byte, error)
	// Cancel asks the Transact in progress to end (CTAPHID_CANCEL). It is
	// called from another goroutine.
	Cancel()
}

// transportConn pairs libfido2's tx with the rx that follows it.
type transportConn struct {
	t       Transport
	mu      sync.Mutex
	cmd     byte
	payload []byte
	sent    bool
}

// opening maps the path given to fido_dev_open to the connection while
// the open runs: kw_io_open only gets the path.
var (
	opening   sync.Map // path → cgo.Handle
	openCount atomic.Int64
)

// OpenTransport opens an authenticator reached through t, named name.
func OpenTransport(ctx context.Context, name string, t Transport) (*Device, error) {
	h := cgo.NewHandle(&transportConn{t: t})
	path := fmt.Sprintf("%s#%d", name, openCount.Add(1))
	opening.Store(path, h)
	defer opening.Delete(path)
	d, err := open(ctx, path, func(dev *C.fido_dev_t) error {
		return result("transport", C.kw_use_transport(dev))
	})
	if err != nil {
		h.Delete()
		return nil, err
	}
	d.handle, d.path = h, name
	return d, nil
}
