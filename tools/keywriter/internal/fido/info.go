package fido

/*
#include <fido.h>
*/
import "C"

import (
	"context"
	"fmt"
	"slices"
	"unsafe"
)

// Info is what a key says about itself (authenticatorGetInfo) and its
// CTAPHID version.
type Info struct {
	Versions   []string
	Extensions []string
	AAGUID     [16]byte
	Options    map[string]bool
	// Protocols are the PIN/UV auth protocols, Algorithms the COSE
	// algorithms (empty: the key did not say, ES256 is implied).
	Protocols  []int
	Algorithms []int
	MaxMsgSize int
	// MaxCredCountInList and MaxCredIDLength bound the exclude list (0:
	// not said).
	MaxCredCountInList int
	MaxCredIDLength    int
	// MinPINLength is the key's current minimum (CTAP 2.1; 0: not said,
	// 4 by the standard). ForcePINChange is set when the PIN must change
	// before it can be used.
	MinPINLength   int
	ForcePINChange bool
	// FirmwareVersion is getInfo's number (vendor-specific); HIDVersion
	// the CTAPHID device version (major.minor.build).
	FirmwareVersion uint64
	HIDVersion      string
	// RKRemaining is how many more resident credentials fit (-1: not
	// said).
	RKRemaining int64
}

// Option reports an option's value and whether the key lists it.
func (i Info) Option(name string) (value, present bool) {
	value, present = i.Options[name]
	return value, present
}

// HasPIN reports whether a PIN is set (option clientPin true).
func (i Info) HasPIN() bool { v, _ := i.Option("clientPin"); return v }

// SupportsPIN reports whether the key can have a PIN at all.
func (i Info) SupportsPIN() bool { _, ok := i.Option("clientPin"); return ok }

// Extension reports whether the key lists an extension.
func (i Info) Extension(name string) bool { return slices.Contains(i.Extensions, name) }

// CTAP21 reports whether the key speaks CTAP 2.1.
func (i Info) CTAP21() bool { return slices.Contains(i.Versions, "FIDO_2_1") }

// SetMinPINLength reports whether the key takes authenticatorConfig
// setMinPINLength (and with it forced PIN change).
func (i Info) SetMinPINLength() bool { v, _ := i.Option("setMinPINLength"); return v }

// AAGUIDString is the AAGUID in the usual 8-4-4-4-12 form.
func (i Info) AAGUIDString() string { return FormatAAGUID(i.AAGUID[:]) }

// FormatAAGUID renders 16 bytes as 8-4-4-4-12 lower-case hex.
func FormatAAGUID(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Info asks the key for its getInfo.
func (d *Device) Info(ctx context.Context) (Info, error) {
	ci := C.fido_cbor_info_new()
	if ci == nil {
		return Info{}, fmt.Errorf("fido: out of memory")
	}
	defer C.fido_cbor_info_free(&ci)
	if err := d.call(ctx, "getInfo", func() C.int { return C.fido_dev_get_cbor_info(d.dev, ci) }); err != nil {
		return Info{}, err
	}
	i := Info{
		Versions:           cStrings(C.fido_cbor_info_versions_ptr(ci), C.fido_cbor_info_versions_len(ci)),
		Extensions:         cStrings(C.fido_cbor_info_extensions_ptr(ci), C.fido_cbor_info_extensions_len(ci)),
		Options:            map[string]bool{},
		MaxMsgSize:         int(C.fido_cbor_info_maxmsgsiz(ci)),
		MaxCredCountInList: int(C.fido_cbor_info_maxcredcntlst(ci)),
		MaxCredIDLength:    int(C.fido_cbor_info_maxcredidlen(ci)),
		MinPINLength:       int(C.fido_cbor_info_minpinlen(ci)),
		ForcePINChange:     bool(C.fido_cbor_info_new_pin_required(ci)),
		FirmwareVersion:    uint64(C.fido_cbor_info_fwversion(ci)),
		RKRemaining:        int64(C.fido_cbor_info_rk_remaining(ci)),
	}
	copy(i.AAGUID[:], goBytes(C.fido_cbor_info_aaguid_ptr(ci), C.fido_cbor_info_aaguid_len(ci)))
	names := cStrings(C.fido_cbor_info_options_name_ptr(ci), C.fido_cbor_info_options_len(ci))
	if vals := C.fido_cbor_info_options_value_ptr(ci); vals != nil {
		for n, v := range unsafe.Slice(vals, len(names)) {
			i.Options[names[n]] = bool(v)
		}
	}
	if p := C.fido_cbor_info_protocols_ptr(ci); p != nil {
		for _, v := range unsafe.Slice(p, int(C.fido_cbor_info_protocols_len(ci))) {
			i.Protocols = append(i.Protocols, int(v))
		}
	}
	for n := range C.fido_cbor_info_algorithm_count(ci) {
		i.Algorithms = append(i.Algorithms, int(C.fido_cbor_info_algorithm_cose(ci, n)))
	}
	d.mu.Lock()
	if d.dev != nil {
		i.HIDVersion = fmt.Sprintf("%d.%d.%d", C.fido_dev_major(d.dev), C.fido_dev_minor(d.dev), C.fido_dev_build(d.dev))
	}
	d.mu.Unlock()
	return i, nil
}

// cStrings copies a C array of n strings.
func cStrings(p **C.char, n C.size_t) []string {
	if p == nil || n == 0 {
		return nil
	}
	out := make([]string, 0, int(n))
	for _, s := range unsafe.Slice(p, int(n)) {
		out = append(out, C.GoString(s))
	}
	return out
}
