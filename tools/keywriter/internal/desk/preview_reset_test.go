package desk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/fido"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/softctap"
)

// A dry run says what would happen to each message and changes nothing.
func TestPreviewChangesNothing(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{})
	r.op.plug(key)
	r.pending(nora, "nora.new@contoso.example")
	r.pending(petra, "petra.reports@contoso.example", func(p *fido2msg.Pending) { p.ChallengeExpiresAt = time.Now() })
	r.enqueue(map[string]any{"type": "fido2.pending", "version": 1})
	got, err := r.runner(settings()).Preview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{PreviewReady: 1, PreviewExpired: 1, PreviewUnreadable: 1}
	for _, p := range got {
		want[p.Status]--
	}
	for status, n := range want {
		if n != 0 {
			t.Errorf("%s off by %d: %+v", status, n, got)
		}
	}
	if r.count(r.queues.Pending) != 3 || len(key.Calls()) != 0 {
		t.Error("a dry run changed the queue or touched a key")
	}
}

type resetScript struct {
	*scriptOp
	confirm bool
	seen    fido.Info
}

func (u *resetScript) Confirm(_ context.Context, _ fido.DeviceInfo, info fido.Info) (bool, error) {
	u.seen = info
	return u.confirm, nil
}

func (u *resetScript) Replug() { u.note("replug") }

func TestReset(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{PIN: "583920", ResetNeedsReplug: true})
	r.op.plug(key)
	r.op.offer(key) // plugged in again when asked
	ui := &resetScript{scriptOp: r.op, confirm: true}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.op.cancel = cancel
	if err := Reset(ctx, r.bus, ui, settings()); err != nil {
		t.Fatal(err)
	}
	if key.HasPIN() || !ui.seen.HasPIN() {
		t.Errorf("PIN before %v, after %v", ui.seen.HasPIN(), key.HasPIN())
	}
}

func TestResetDeclined(t *testing.T) {
	r := newRig(t)
	key := r.key(softctap.Options{PIN: "583920"})
	r.op.plug(key)
	ui := &resetScript{scriptOp: r.op}
	r.op.cancel = func() {}
	if err := Reset(context.Background(), r.bus, ui, settings()); !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("err = %v", err)
	}
	if !key.HasPIN() {
		t.Error("a declined reset changed the key")
	}
}
