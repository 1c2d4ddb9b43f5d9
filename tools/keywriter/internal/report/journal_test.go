package report

import (
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
	"github.com/passkeyfirst/entra-mfa-recovery/tools/keywriter/internal/journal"
)

func TestFromJournal(t *testing.T) {
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	w := func(id string) journal.Entry {
		return journal.Entry{At: at, Event: journal.EventWritten, CredentialID: id, UPN: id + "@x", Result: "r",
			Key: &fido2msg.KeyInfo{Model: "Key"}}
	}
	entries := []journal.Entry{
		w("a"), {Event: journal.EventSent, CredentialID: "a"}, {Event: journal.EventFinalized, CredentialID: "a", Reason: "no config"},
		{Event: journal.EventDone, CredentialID: "a"},
		w("b"), {Event: journal.EventSent, CredentialID: "b"},
		w("c"),
		{At: at, Event: journal.EventSkipped, UPN: "d@x", Reason: "expired"},
		{At: at, Event: journal.EventFailed, UPN: "e@x", Reason: "no key"},
	}
	rows := FromJournal(entries)
	want := []string{"written", StatusSent, StatusUnsent, "skipped", "failed"}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i, s := range want {
		if rows[i].Status != s {
			t.Errorf("row %d: %s, want %s", i, rows[i].Status, s)
		}
	}
	if rows[0].Finalize != "no config" || rows[0].Model != "Key" || rows[3].Reason != "expired" {
		t.Errorf("details %+v", rows)
	}
	if c := Count(rows); len(c) != 5 || c[0].Status != "failed" {
		t.Errorf("count %+v", c)
	}
}
