package fido

import (
	"os"
	"path/filepath"
	"testing"
)

func TestUSBSerial(t *testing.T) {
	old := sysRoot
	sysRoot = t.TempDir()
	defer func() { sysRoot = old }()
	write := func(name, uevent string) {
		dir := filepath.Join(sysRoot, "class", "hidraw", name, "device")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "uevent"), []byte(uevent), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("hidraw3", "DRIVER=hid-generic\nHID_ID=0003:00001050:00000407\nHID_NAME=Yubico YubiKey OTP+FIDO+CCID\nHID_PHYS=usb-0000:00:14.0-2/input1\nHID_UNIQ=23456789\n")
	write("hidraw4", "HID_NAME=Key\nHID_UNIQ=\n")
	write("hidraw5", "HID_UNIQ=bad serial; rm -rf\n")
	for path, want := range map[string]string{"/dev/hidraw3": "23456789", "/dev/hidraw4": "", "/dev/hidraw5": "",
		"/dev/hidraw9": "", "softctap:1": "", "/tmp/hidraw3": ""} {
		if got := usbSerial(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
