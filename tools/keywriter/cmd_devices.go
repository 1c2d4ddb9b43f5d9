package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/console"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/desk"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
)

// deviceReport is one key in `keywriter devices`.
type deviceReport struct {
	Path         string   `json:"path"`
	Manufacturer string   `json:"manufacturer"`
	Product      string   `json:"product"`
	USB          string   `json:"usb"`
	Serial       string   `json:"serial,omitempty"`
	AAGUID       string   `json:"aaguid,omitempty"`
	Firmware     string   `json:"firmware,omitempty"`
	Versions     []string `json:"versions,omitempty"`
	PIN          string   `json:"pin,omitempty"`
	PINRetries   int      `json:"pinRetries,omitempty"`
	MinPINLength int      `json:"minPinLength,omitempty"`
	RKRemaining  int64    `json:"residentSlotsLeft"`
	Extensions   []string `json:"extensions,omitempty"`
	Algorithms   []int    `json:"algorithms,omitempty"`
	Config       bool     `json:"setMinPinLength"`
	Usable       bool     `json:"usable"`
	Problem      string   `json:"problem,omitempty"`
}

func (a *app) devices(args []string) int {
	fs := flag.NewFlagSet("keywriter devices", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	s := desk.Defaults()
	fs.StringVar(&s.OnPINSet, "on-pin-set", s.OnPINSet, "judge keys with a PIN as run would: ask or skip")
	fs.Func("aaguid", "judge against this allow-list (repeat, or comma-separated)", func(v string) error {
		s.AllowedAAGUIDs = append(s.AllowedAAGUIDs, strings.Split(v, ",")...)
		return nil
	})
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	devs, err := a.keys.Devices(ctx)
	if err != nil {
		a.errorf("%v", err)
		return exitError
	}
	out := make([]deviceReport, 0, len(devs))
	for _, d := range devs {
		out = append(out, a.describe(ctx, d, s))
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return exitError
		}
		return exitOK
	}
	if len(out) == 0 {
		fmt.Fprintln(a.stdout, "No FIDO keys found. (On Linux the desk user needs access to /dev/hidraw*.)")
	}
	for _, r := range out {
		a.printDevice(r)
	}
	return exitOK
}

// describe opens a key and reads its getInfo; it writes nothing to it.
func (a *app) describe(ctx context.Context, d fido.DeviceInfo, s desk.Settings) deviceReport {
	r := deviceReport{Path: d.Path, Manufacturer: d.Manufacturer, Product: d.Product, Serial: d.Serial,
		USB: fmt.Sprintf("%04x:%04x", d.VendorID, d.ProductID)}
	dev, err := a.keys.Open(ctx, d.Path)
	if err != nil {
		r.Problem = err.Error()
		return r
	}
	defer dev.Close()
	info, err := dev.Info(ctx)
	if err != nil {
		r.Problem = err.Error()
		return r
	}
	r.AAGUID, r.Firmware, r.Versions = info.AAGUIDString(), info.HIDVersion, info.Versions
	r.PIN, r.MinPINLength, r.RKRemaining = console.PINState(info), info.MinPINLength, info.RKRemaining
	r.Extensions, r.Algorithms, r.Config = info.Extensions, info.Algorithms, info.SetMinPINLength()
	if info.HasPIN() {
		r.PINRetries, _ = dev.PINRetries(ctx)
	}
	if err := s.CheckKey(info); err != nil {
		r.Problem = err.Error()
	} else {
		r.Usable = true
	}
	return r
}

func (a *app) printDevice(r deviceReport) {
	serial := ""
	if r.Serial != "" {
		serial = ", serial " + r.Serial
	}
	fmt.Fprintf(a.stdout, "%s  %s %s (%s%s)\n", r.Path, r.Manufacturer, r.Product, r.USB, serial)
	if r.AAGUID != "" {
		fmt.Fprintf(a.stdout, "  AAGUID %s · firmware %s · %s\n", r.AAGUID, r.Firmware, strings.Join(r.Versions, ", "))
		pin := "PIN " + r.PIN
		if r.PINRetries > 0 {
			pin += fmt.Sprintf(" (%d tries left)", r.PINRetries)
		}
		slots := "resident slots left: unknown"
		if r.RKRemaining >= 0 {
			slots = fmt.Sprintf("resident slots left: %d", r.RKRemaining)
		}
		fmt.Fprintf(a.stdout, "  %s · minimum PIN length %d · %s · CTAP 2.1 PIN policy: %v\n", pin, r.MinPINLength, slots, r.Config)
		fmt.Fprintf(a.stdout, "  extensions: %s · algorithms: %v\n", strings.Join(r.Extensions, ", "), r.Algorithms)
	}
	if r.Usable {
		fmt.Fprintln(a.stdout, "  can be written: yes")
	} else {
		fmt.Fprintf(a.stdout, "  can be written: no — %s\n", r.Problem)
	}
}
