package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/doubles/clock"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

type work struct {
	ledger.Row
	ledger.Lease
	Step string `json:"Step"`
}

func leaseTable(t *testing.T) *ledger.Table[work, *work] {
	t.Helper()
	az := azurite.Shared(t)
	svc, err := ledger.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ledger.Open[work](context.Background(), svc, az.NewName("lease"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Insert(context.Background(), &work{Row: ledger.Row{PartitionKey: "p", RowKey: "r"}, Step: "new"}); err != nil {
		t.Fatal(err)
	}
	return tab
}

func done(w *work) bool { return w.Step == "done" }

// Many workers claim at once: exactly one holds the lease.
func TestClaimHasOneWinner(t *testing.T) {
	tab := leaseTable(t)
	clk := clock.New(time.Now())
	var won, busy atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := ledger.Claim(context.Background(), tab, "p", "r", fmt.Sprint("w", i), time.Minute, clk.Now, done)
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, ledger.ErrBusy):
				busy.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || busy.Load() != 7 {
		t.Fatalf("won %d, busy %d", won.Load(), busy.Load())
	}
}

// A holder that stalls past its lease is taken over; when it wakes up and
// tries to continue, it loses, and the new holder's work stands.
func TestExpiredLeaseTakenOverAndOldHolderLoses(t *testing.T) {
	tab := leaseTable(t)
	clk := clock.New(time.Now())
	ctx := context.Background()
	old, err := ledger.Claim(ctx, tab, "p", "r", "old", time.Minute, clk.Now, done)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Claim(ctx, tab, "p", "r", "new", time.Minute, clk.Now, done); !errors.Is(err, ledger.ErrBusy) {
		t.Fatalf("claim during a live lease: %v", err)
	}
	clk.Advance(61 * time.Second) // the old holder stalls past its lease
	taker, err := ledger.Claim(ctx, tab, "p", "r", "new", time.Minute, clk.Now, done)
	if err != nil {
		t.Fatalf("takeover: %v", err)
	}
	var wg sync.WaitGroup
	var oldErr, newErr error
	wg.Go(func() { old.Step = "old step"; oldErr = ledger.Renew(ctx, tab, old, time.Minute, clk.Now()) })
	wg.Go(func() { taker.Step = "done"; newErr = ledger.Renew(ctx, tab, taker, time.Minute, clk.Now()) })
	wg.Wait()
	if !errors.Is(oldErr, ledger.ErrConflict) || newErr != nil {
		t.Fatalf("old holder: %v, new holder: %v", oldErr, newErr)
	}
	got, _ := tab.Get(ctx, "p", "r")
	if got.Step != "done" || got.LeaseOwner != "new" {
		t.Fatalf("record %+v", got)
	}
	if v, err := ledger.Claim(ctx, tab, "p", "r", "late", time.Minute, clk.Now, done); v != nil || err != nil {
		t.Fatalf("a finished record was claimed: %v %v", v, err)
	}
}

func TestReleaseLetsTheNextClaimIn(t *testing.T) {
	tab := leaseTable(t)
	clk := clock.New(time.Now())
	ctx := context.Background()
	v, err := ledger.Claim(ctx, tab, "p", "r", "a", time.Minute, clk.Now, done)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.Release(ctx, tab, v, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Claim(ctx, tab, "p", "r", "b", time.Minute, clk.Now, done); err != nil {
		t.Fatalf("after release: %v", err)
	}
}
