package fido

// This file holds only the callbacks libfido2 calls through the glue in
// transport.go (a cgo file with exports may declare, not define, C).

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"time"
	"unsafe"
)

//export kwIOOpen
func kwIOOpen(path *C.char) C.uintptr_t {
	h, ok := opening.Load(C.GoString(path))
	if !ok {
		return 0 // libfido2 answers FIDO_ERR_INTERNAL
	}
	return C.uintptr_t(h.(cgo.Handle))
}

//export kwTx
func kwTx(h C.uintptr_t, cmd C.uint8_t, buf *C.uchar, n C.size_t) C.int {
	c := cgo.Handle(h).Value().(*transportConn)
	if cmd == CmdCancel {
		// From another thread while a Transact runs: never take c.mu.
		c.t.Cancel()
		return C.int(n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cmd, c.sent = byte(cmd), true
	c.payload = goBytes(buf, n)
	return C.int(n)
}

//export kwRx
func kwRx(h C.uintptr_t, cmd C.uint8_t, buf *C.uchar, n C.size_t, ms C.int) C.int {
	c := cgo.Handle(h).Value().(*transportConn)
	c.mu.Lock()
	req, payload, sent := c.cmd, c.payload, c.sent
	c.sent, c.payload = false, nil
	c.mu.Unlock()
	if !sent || req != byte(cmd) {
		return -1
	}
	timeout := time.Duration(-1)
	if ms >= 0 {
		timeout = time.Duration(ms) * time.Millisecond
	}
	reply, err := c.t.Transact(req, payload, timeout)
	if err != nil || len(reply) > int(n) {
		return -1
	}
	if len(reply) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n)), reply)
	}
	return C.int(len(reply))
}
