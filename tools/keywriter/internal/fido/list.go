package fido

/*
#include <fido.h>
*/
import "C"

import (
	"context"
	"errors"
)

// DeviceInfo is a key found on the USB bus.
type DeviceInfo struct {
	Path                  string
	Manufacturer, Product string
	VendorID, ProductID   uint16
	// Serial is the USB serial string when the key exposes one (Linux),
	// else "".
	Serial string
}

// maxDevices bounds one enumeration, as go-libfido2 does.
const maxDevices = 64

// Devices lists the FIDO keys plugged in. Opening one is a separate step:
// listing never talks to a key.
func Devices() ([]DeviceInfo, error) {
	list := C.fido_dev_info_new(maxDevices)
	if list == nil {
		return nil, errors.New("fido: out of memory")
	}
	defer C.fido_dev_info_free(&list, maxDevices)
	var n C.size_t
	if err := result("list keys", C.fido_dev_info_manifest(list, maxDevices, &n)); err != nil {
		return nil, err
	}
	out := make([]DeviceInfo, 0, int(n))
	for i := range n {
		di := C.fido_dev_info_ptr(list, i)
		path := C.GoString(C.fido_dev_info_path(di))
		out = append(out, DeviceInfo{
			Path:         path,
			Serial:       usbSerial(path),
			Manufacturer: C.GoString(C.fido_dev_info_manufacturer_string(di)),
			Product:      C.GoString(C.fido_dev_info_product_string(di)),
			// libfido2 returns the USB ids as int16; they are unsigned.
			VendorID:  uint16(C.fido_dev_info_vendor(di)),
			ProductID: uint16(C.fido_dev_info_product(di)),
		})
	}
	return out, nil
}

// System is the machine's USB keys, as the desk's run loop sees keys.
type System struct{}

// Devices lists the keys plugged in.
func (System) Devices(context.Context) ([]DeviceInfo, error) { return Devices() }

// Open opens the key at path.
func (System) Open(ctx context.Context, path string) (*Device, error) { return Open(ctx, path) }
