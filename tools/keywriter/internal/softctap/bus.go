package softctap

import (
	"context"
	"fmt"
	"sync"

	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
)

// Bus is a USB bus for software keys: keys are plugged in and out, listed
// as fido.Devices lists real ones, and opened through the real libfido2.
type Bus struct {
	mu    sync.Mutex
	next  int
	paths []string
	keys  map[string]*Key
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{keys: map[string]*Key{}} }

// Insert plugs k in and returns its path. Plugging in powers the key up,
// which opens its reset window.
func (b *Bus) Insert(k *Key) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	path := fmt.Sprintf("softctap:%d", b.next)
	k.present.Store(true)
	k.mu.Lock()
	k.resetWindow = true
	k.mu.Unlock()
	b.paths = append(b.paths, path)
	b.keys[path] = k
	return path
}

// Remove unplugs the key at path; an open handle to it stops answering.
func (b *Bus) Remove(path string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if k := b.keys[path]; k != nil {
		k.present.Store(false)
		delete(b.keys, path)
		for i, p := range b.paths {
			if p == path {
				b.paths = append(b.paths[:i], b.paths[i+1:]...)
				break
			}
		}
	}
}

// RemoveAll unplugs every key.
func (b *Bus) RemoveAll() {
	for _, d := range b.devices() {
		b.Remove(d.Path)
	}
}

// Devices lists the keys plugged in.
func (b *Bus) Devices(context.Context) ([]fido.DeviceInfo, error) { return b.devices(), nil }

func (b *Bus) devices() []fido.DeviceInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]fido.DeviceInfo, 0, len(b.paths))
	for _, p := range b.paths {
		out = append(out, fido.DeviceInfo{Path: p, Manufacturer: "Softctap", Product: b.keys[p].opts.Product,
			VendorID: 0x1209, ProductID: 0x5c01, Serial: b.keys[p].opts.Serial})
	}
	return out
}

// Open opens the key at path through libfido2.
func (b *Bus) Open(ctx context.Context, path string) (*fido.Device, error) {
	b.mu.Lock()
	k := b.keys[path]
	b.mu.Unlock()
	if k == nil {
		return nil, fmt.Errorf("softctap: no key at %s: %w", path, fido.ErrKeyGone)
	}
	return fido.OpenTransport(ctx, path, k)
}
