package ledger_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/azurite"
	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

func TestMain(m *testing.M) { os.Exit(azurite.RunTests(m)) }

type job struct {
	ledger.Row
	Step  string `json:"Step"`
	Count int    `json:"Count"`
}

func open(t *testing.T) *ledger.Table[job, *job] {
	t.Helper()
	az := azurite.Shared(t)
	svc, err := ledger.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ledger.Open[job](context.Background(), svc, az.NewName("ledger"))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestInsertGetUpdateDelete(t *testing.T) {
	tab := open(t)
	ctx := context.Background()
	j := &job{Row: ledger.Row{PartitionKey: "req-1", RowKey: "stage-1"}, Step: "received"}
	if err := tab.Insert(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := tab.Insert(ctx, &job{Row: ledger.Row{PartitionKey: "req-1", RowKey: "stage-1"}}); !errors.Is(err, ledger.ErrExists) {
		t.Fatalf("second insert: %v", err)
	}
	got, err := tab.Get(ctx, "req-1", "stage-1")
	if err != nil || got.Step != "received" || got.ETag == "" {
		t.Fatalf("get %+v %v", got, err)
	}
	got.Step = "guarded"
	if err := tab.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	j.Step = "stale writer"
	if err := tab.Update(ctx, j); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := tab.Get(ctx, "req-1", "nope"); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	list, err := tab.List(ctx, "PartitionKey eq 'req-1'")
	if err != nil || len(list) != 1 || list[0].Step != "guarded" || list[0].ETag != got.ETag {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := tab.Delete(ctx, j); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := tab.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
}

// Of many writers racing on the same version, exactly one wins; of many
// inserters, exactly one creates the record.
func TestConditionalWritesHaveOneWinner(t *testing.T) {
	tab := open(t)
	ctx := context.Background()
	var inserted, updated atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if tab.Insert(ctx, &job{Row: ledger.Row{PartitionKey: "race", RowKey: "r"}}) == nil {
				inserted.Add(1)
			}
		})
	}
	wg.Wait()
	base, err := tab.Get(ctx, "race", "r")
	if err != nil {
		t.Fatal(err)
	}
	for range 8 {
		wg.Go(func() {
			mine := *base
			mine.Count++
			if tab.Update(ctx, &mine) == nil {
				updated.Add(1)
			}
		})
	}
	wg.Wait()
	if inserted.Load() != 1 || updated.Load() != 1 {
		t.Fatalf("inserted %d, updated %d: want exactly one winner each", inserted.Load(), updated.Load())
	}
}

func TestMembershipUpsert(t *testing.T) {
	az := azurite.Shared(t)
	svc, err := ledger.ServiceClient(az.ConnectionString())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tab, err := ledger.Open[ledger.Membership](ctx, svc, az.NewName("members"))
	if err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{first, first.Add(time.Hour)} {
		if err := tab.Upsert(ctx, ledger.NewMembership("G1", "U1", "req", at)); err != nil {
			t.Fatal(err)
		}
	}
	pk, rk := ledger.MembershipKeys("g1", "u1")
	got, err := tab.Get(ctx, pk, rk)
	if err != nil || !got.AddedAt.Equal(first.Add(time.Hour)) || got.UserID != "u1" {
		t.Fatalf("got %+v %v", got, err)
	}
}
