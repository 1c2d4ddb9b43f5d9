package fido

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// sysRoot is where sysfs is mounted (tests point it elsewhere).
var sysRoot = "/sys"

// usbSerial is the USB serial number string of the key at a Linux hidraw
// path (/dev/hidrawN), or "". libfido2 has no vendor-command API to ask a
// key for its serial, but the kernel keeps the USB descriptor's serial
// string as the HID device's HID_UNIQ (drivers/hid/usbhid: hid->uniq from
// iSerialNumber). Keys that leave it empty get no serial; YubiKeys can
// show theirs there.
func usbSerial(path string) string {
	name := filepath.Base(path)
	if !strings.HasPrefix(name, "hidraw") || filepath.Dir(path) != "/dev" {
		return ""
	}
	f, err := os.Open(filepath.Join(sysRoot, "class", "hidraw", name, "device", "uevent"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "HID_UNIQ="); ok {
			return printable(strings.TrimSpace(v))
		}
	}
	return ""
}

// printable keeps a serial to letters, digits and a few separators: it
// goes into display names, Key Vault tags and reports.
func printable(s string) string {
	ok := func(r rune) bool {
		return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '.' || r == ':' || r == '_'
	}
	if len(s) > 64 || strings.IndexFunc(s, func(r rune) bool { return !ok(r) }) >= 0 {
		return ""
	}
	return s
}
