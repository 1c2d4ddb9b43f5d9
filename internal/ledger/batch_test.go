package ledger_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/ledger"
)

func jobs(pk string, from, n int) []*job {
	var out []*job
	for i := from; i < from+n; i++ {
		out = append(out, &job{Row: ledger.Row{PartitionKey: pk, RowKey: fmt.Sprintf("%04d", i)}, Step: "queued"})
	}
	return out
}

// 250 records take three transactions; a transaction holding a record that
// exists fails whole and hands its records back; the others are written.
func TestInsertAllFallsBackPerTransaction(t *testing.T) {
	tab := open(t)
	ctx := context.Background()
	if err := tab.Insert(ctx, jobs("p", 150, 1)[0]); err != nil { // lives in the second hundred
		t.Fatal(err)
	}
	all := jobs("p", 0, 250)
	failed, err := tab.InsertAll(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 100 || failed[0].RowKey != "0100" {
		t.Fatalf("failed %d records from %s, want the second hundred", len(failed), failed[0].RowKey)
	}
	got, err := tab.List(ctx, "PartitionKey eq 'p'")
	if err != nil || len(got) != 151 {
		t.Fatalf("stored %d records (%v), want 150 + the one inserted first", len(got), err)
	}
	// Records written by a transaction are updated unconditionally.
	all[0].Step = "pending"
	if err := tab.Update(ctx, all[0]); err != nil {
		t.Fatalf("update after InsertAll: %v", err)
	}
}

func TestReplaceAllOverwrites(t *testing.T) {
	tab := open(t)
	ctx := context.Background()
	all := jobs("q", 0, 120)
	if _, err := tab.InsertAll(ctx, all); err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		j.Step, j.Count = "pending", 1
	}
	if err := tab.ReplaceAll(ctx, all); err != nil {
		t.Fatal(err)
	}
	got, err := tab.List(ctx, "PartitionKey eq 'q' and Step eq 'pending'")
	if err != nil || len(got) != 120 {
		t.Fatalf("%d pending (%v)", len(got), err)
	}
}
