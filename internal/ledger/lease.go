package ledger

import (
	"context"
	"errors"
	"time"
)

// ErrBusy: another holder's lease on the record is still alive.
var ErrBusy = errors.New("ledger: another worker holds this record")

// Lease is embedded by records that one worker at a time may work on: who
// holds it and until when. A live holder renews it with every write; a
// dead holder's lease runs out and the next claimant takes over.
type Lease struct {
	LeaseOwner string    `json:"LeaseOwner,omitempty"`
	LeaseUntil time.Time `json:"LeaseUntil,omitzero"`
}

func (l *Lease) lease() *Lease { return l }

// Leased is a record pointer with a lease.
type Leased[T any] interface {
	Record[T]
	lease() *Lease
}

// Claim reads the record and takes its lease for owner. finished reports a
// record no one needs to work on; Claim then returns (nil, nil). A lease
// held by someone else and not yet expired at now is ErrBusy. Of several
// claimants racing, the ETag lets exactly one win.
func Claim[T any, P Leased[T]](ctx context.Context, t *Table[T, P], pk, rk, owner string, ttl time.Duration,
	now func() time.Time, finished func(P) bool) (P, error) {
	for range 3 {
		v, err := t.Get(ctx, pk, rk)
		if err != nil || finished(v) {
			return nil, err
		}
		l := v.lease()
		if l.LeaseOwner != "" && l.LeaseOwner != owner && now().Before(l.LeaseUntil) {
			return nil, ErrBusy
		}
		l.LeaseOwner, l.LeaseUntil = owner, now().Add(ttl)
		err = t.Update(ctx, v)
		if errors.Is(err, ErrConflict) {
			continue // written meanwhile: look again
		}
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	return nil, ErrBusy
}

// Renew writes v and extends its lease. ErrConflict means someone took the
// record over (its ETag changed): the caller lost it and must stop.
func Renew[T any, P Leased[T]](ctx context.Context, t *Table[T, P], v P, ttl time.Duration, now time.Time) error {
	v.lease().LeaseUntil = now.Add(ttl)
	return t.Update(ctx, v)
}

// Release writes v with the lease given up, so the next claimant need not
// wait for it to expire. Best effort: an expiring lease is the fallback.
func Release[T any, P Leased[T]](ctx context.Context, t *Table[T, P], v P, now time.Time) error {
	l := v.lease()
	l.LeaseOwner, l.LeaseUntil = "", now
	return t.Update(ctx, v)
}
