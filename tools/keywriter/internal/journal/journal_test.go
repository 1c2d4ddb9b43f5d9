package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

const (
	job  = "6f1d8a52-2c1e-4e8e-9a59-0a4c1e0b9d11"
	nora = "0b7e7f5e-7d1a-4bde-8f61-8f0a3a3b0c01"
	gina = "1c8f8a6f-8e2b-4cef-9a72-9a1b4b4c1d02"
)

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func open(t *testing.T, path string) *Journal {
	t.Helper()
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func written(cred, user, challenge string, at time.Time) Entry {
	return Entry{At: at, Event: EventWritten, JobID: job, Index: 1, UserID: user, UPN: "nora@contoso.example",
		Challenge: ChallengeHash([]byte(challenge)), CredentialID: cred, Result: "eyJ0eXBlIjoiZmlkbzIucmVzdWx0In0=",
		Key: &fido2msg.KeyInfo{AAGUID: "aaguid", Model: "Soft Key", Serial: "1"}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// What one run appended, the next run reads back as item states.
func TestReopenRestoresItems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "journal.jsonl")
	j := open(t, path)
	must(t, j.Append(written("c1", nora, "ch1", t0)))
	must(t, j.Append(Entry{Event: EventSent, CredentialID: "c1"}))
	must(t, j.Append(Entry{Event: EventFinalized, CredentialID: "c1", Reason: "forced PIN change not supported"}))
	must(t, j.Append(Entry{Event: EventDone, CredentialID: "c1"}))
	must(t, j.Append(written("c2", gina, "ch2", t0.Add(time.Minute))))
	must(t, j.Append(Entry{Event: EventSkipped, JobID: job, UserID: gina, Reason: "challenge expired"}))
	must(t, j.Close())

	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v %v", info.Mode(), err)
	}
	j2 := open(t, path)
	items := j2.Items()
	if len(items) != 2 || !items[0].Sent || !items[0].Finalized || !items[0].Done || items[0].FinalizeNote == "" || items[1].Sent {
		t.Fatalf("items %+v", items)
	}
	if u := j2.Unsent(); len(u) != 1 || u[0].Written.CredentialID != "c2" {
		t.Errorf("unsent %+v", u)
	}
	if len(j2.Entries()) != 6 || j2.Damaged != 0 {
		t.Errorf("%d entries, %d damaged", len(j2.Entries()), j2.Damaged)
	}
}

// A crash mid-append leaves a torn line: it is cut off without alarm and
// the next entry starts on its own line.
func TestTornAndDamagedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j := open(t, path)
	must(t, j.Append(written("c1", nora, "ch1", t0)))
	must(t, j.Close())
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(`{"v":1,"at":"2026-05-01T09:00:00Z","event":"se`)
	must(t, err)
	must(t, f.Close())

	j2 := open(t, path)
	if j2.Damaged != 0 || len(j2.Items()) != 1 {
		t.Fatalf("after a torn append: %d damaged, %d items", j2.Damaged, len(j2.Items()))
	}
	must(t, j2.Append(Entry{Event: EventSent, CredentialID: "c1"}))
	must(t, j2.Close())
	j3 := open(t, path)
	if j3.Damaged != 0 || !j3.Items()[0].Sent || len(j3.Entries()) != 2 {
		t.Errorf("after the next append: %d damaged, %d entries", j3.Damaged, len(j3.Entries()))
	}
	// A line damaged in the middle is counted, and the rest still read.
	must(t, j3.Close())
	data, err := os.ReadFile(path)
	must(t, err)
	must(t, os.WriteFile(path, append([]byte("not json\n"), data...), 0o600))
	if j4 := open(t, path); j4.Damaged != 1 || len(j4.Entries()) != 2 {
		t.Errorf("damaged middle line: %d damaged, %d entries", j4.Damaged, len(j4.Entries()))
	}
}

func TestOneRunAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j := open(t, path)
	if _, err := Open(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	must(t, j.Close())
	open(t, path)
}

func TestDuplicate(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "journal.jsonl"))
	must(t, j.Append(written("c1", nora, "ch1", t0)))
	p := func(user string, issued time.Time) fido2msg.Pending {
		return fido2msg.Pending{JobID: job, User: fido2msg.PendingUser{ID: user}, IssuedAt: issued}
	}
	cases := []struct {
		name      string
		p         fido2msg.Pending
		challenge string
		dup       bool
	}{
		{"same message redelivered", p(nora, t0.Add(-time.Hour)), "ch1", true},
		{"second message from the same run", p(strings.ToUpper(nora), t0.Add(-time.Minute)), "ch9", true},
		{"re-issued after the key was written", p(nora, t0.Add(time.Hour)), "ch9", false},
		{"another user", p(gina, t0.Add(-time.Hour)), "ch9", false},
	}
	for _, c := range cases {
		if got := j.Duplicate(c.p, ChallengeHash([]byte(c.challenge))); (got != nil) != c.dup {
			t.Errorf("%s: duplicate %v, want %v", c.name, got != nil, c.dup)
		}
	}
}

func TestAppendRefusesIncompleteEntries(t *testing.T) {
	j := open(t, filepath.Join(t.TempDir(), "journal.jsonl"))
	for _, e := range []Entry{{}, {Event: EventWritten, CredentialID: "c1"}, {Event: EventWritten, Result: "x"}} {
		if err := j.Append(e); err == nil {
			t.Errorf("appended %+v", e)
		}
	}
	must(t, j.Close())
	if err := j.Append(Entry{Event: EventSent}); err == nil {
		t.Error("appended to a closed journal")
	}
}

// BenchmarkAppend is one journal entry synced to disk, the size of a
// written credential's entry with its result message: the desk appends
// four per key (written, sent, finalized, done).
func BenchmarkAppend(b *testing.B) {
	j, err := Open(filepath.Join(b.TempDir(), "journal.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	e := written("cred", nora, "challenge", t0)
	e.Result = strings.Repeat("A", 2400) // a result message's base64 text
	i := 0
	for b.Loop() {
		i++
		e.CredentialID, e.Challenge = "cred-"+strconv.Itoa(i), ChallengeHash([]byte(strconv.Itoa(i)))
		if err := j.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}
