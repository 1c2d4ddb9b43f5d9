// Package journal is the desk's local, append-only record of what it did
// to keys, written before the queues are touched: a credential written to
// a key is recorded (with the result message it produced) before that
// message is sent and before the pending message is deleted. After a
// crash or Ctrl-C the next run resends what was not sent, and a pending
// message for a credential already written is recognised instead of
// writing the user a second key.
//
// It holds no PIN, ever: entries have no field for one.
//
// The file is JSON lines, one entry per line, synced to disk after each
// append, readable by people and by `keywriter report`. A run holds an
// exclusive lock on it, so two runs on one workstation cannot interleave.
package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/fido2msg"
)

// FormatVersion is written into every entry.
const FormatVersion = 1

// Events an entry records.
const (
	// EventWritten: the key made a credential; Result holds the result
	// message's queue text.
	EventWritten = "written"
	// EventSent: the result is on fido2-results.
	EventSent = "sent"
	// EventFinalized: the PIN policy step ran; Reason says what was not
	// applied, if anything.
	EventFinalized = "finalized"
	// EventDone: the pending message was deleted.
	EventDone = "done"
	// EventFailed and EventSkipped close an item without a new
	// credential; Reason says why.
	EventFailed  = "failed"
	EventSkipped = "skipped"
)

// Entry is one line of the journal.
type Entry struct {
	V         int       `json:"v"`
	At        time.Time `json:"at"`
	Event     string    `json:"event"`
	JobID     string    `json:"jobId,omitempty"`
	Index     int       `json:"index,omitempty"`
	UserID    string    `json:"userId,omitempty"`
	UPN       string    `json:"upn,omitempty"`
	Challenge string    `json:"challengeSha256,omitempty"`
	IssuedAt  time.Time `json:"issuedAt,omitzero"`
	// Expires is the challenge's expiry: a result sent later is refused.
	Expires      time.Time         `json:"challengeExpiresAt,omitzero"`
	CredentialID string            `json:"credentialId,omitempty"`
	Key          *fido2msg.KeyInfo `json:"key,omitempty"`
	Result       string            `json:"result,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	Workstation  string            `json:"workstation,omitempty"`
}

// Item is a written credential and how far its item got.
type Item struct {
	Written               Entry
	Sent, Finalized, Done bool
	// FinalizeNote is what the PIN policy step did not apply.
	FinalizeNote string
}

// ChallengeHash names a challenge in the journal without storing it.
func ChallengeHash(challenge []byte) string {
	h := sha256.Sum256(challenge)
	return hex.EncodeToString(h[:])
}

// Journal is an open journal file. Safe for concurrent use.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	unlock  func()
	entries []Entry
	items   map[string]*Item // by credential id
	order   []string
	// Damaged counts lines that could not be read (not the torn last
	// line a crash leaves).
	Damaged int
}

// Open opens (creating if needed) the journal at path, takes its lock and
// reads it.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	unlock, err := lock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	j := &Journal{f: f, unlock: unlock, items: map[string]*Item{}}
	if err := j.load(); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// ErrLocked is returned (wrapped) when another run holds the journal.
var ErrLocked = errors.New("in use by another keywriter run")

func (j *Journal) load() error {
	data, err := io.ReadAll(j.f)
	if err != nil {
		return fmt.Errorf("journal: read: %w", err)
	}
	entries, damaged := Read(data)
	j.Damaged = damaged
	for _, e := range entries {
		j.apply(e)
	}
	// A crash mid-append leaves a torn last line that Read dropped: cut
	// it off so the next entry starts on a line of its own.
	if len(data) > 0 && data[len(data)-1] != '\n' {
		keep := int64(bytes.LastIndexByte(data, '\n') + 1)
		if err := j.f.Truncate(keep); err != nil {
			return fmt.Errorf("journal: cut the torn last line: %w", err)
		}
	}
	return nil
}

// Read parses journal text. Lines that are not entries are counted as
// damaged, except an unterminated last line that does not parse: that is
// an append a crash tore, and nothing was acted on after it.
func Read(data []byte) ([]Entry, int) {
	var out []Entry
	damaged := 0
	lines := bytes.Split(data, []byte{'\n'})
	for i, line := range lines {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		e, err := parseLine(line)
		switch {
		case err == nil:
			out = append(out, e)
		case i < len(lines)-1:
			damaged++
		}
	}
	return out, damaged
}

func parseLine(line []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, err
	}
	if dec.More() {
		return e, errors.New("trailing data")
	}
	if e.V != FormatVersion || e.Event == "" || e.At.IsZero() {
		return e, errors.New("not a journal entry of this version")
	}
	if e.Event == EventWritten && (e.CredentialID == "" || e.Result == "") {
		return e, errors.New("written entry without credential or result")
	}
	return e, nil
}

// apply folds an entry into the items.
func (j *Journal) apply(e Entry) {
	j.entries = append(j.entries, e)
	if e.CredentialID == "" {
		return
	}
	it := j.items[e.CredentialID]
	if e.Event == EventWritten {
		if it == nil {
			it = &Item{}
			j.items[e.CredentialID] = it
			j.order = append(j.order, e.CredentialID)
		}
		it.Written = e
		return
	}
	if it == nil {
		return
	}
	switch e.Event {
	case EventSent:
		it.Sent = true
	case EventFinalized:
		it.Finalized, it.FinalizeNote = true, e.Reason
	case EventDone:
		it.Done = true
	}
}

// Append writes e (stamped with the format version and, if unset, the
// time) and syncs it to disk before returning.
func (j *Journal) Append(e Entry) error {
	e.V = FormatVersion
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	if _, err := parseLine(mustJSON(e)); err != nil {
		return fmt.Errorf("journal: refusing entry: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal: closed")
	}
	if _, err := j.f.Write(append(mustJSON(e), '\n')); err != nil {
		return fmt.Errorf("journal: append: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: sync: %w", err)
	}
	j.apply(e)
	return nil
}

func mustJSON(e Entry) []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err) // strings, ints and times only
	}
	return b
}

// Duplicate finds a credential already written for a pending message: the
// same challenge (a redelivered message), or the same job and user written
// after the message was issued (a second message for the user from the
// same job, outstanding while the first was written). A message issued
// after the credential was written is a deliberate re-issue (a re-run of
// the job after Entra refused the key) and is not a duplicate.
func (j *Journal) Duplicate(p fido2msg.Pending, challengeHash string) *Item {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, id := range j.order {
		it := j.items[id]
		w := it.Written
		if w.Challenge == challengeHash {
			return copyItem(it)
		}
		if w.JobID == p.JobID && strings.EqualFold(w.UserID, p.User.ID) && !p.IssuedAt.After(w.At) {
			return copyItem(it)
		}
	}
	return nil
}

// Unsent lists credentials written but never confirmed on the results
// queue, oldest first.
func (j *Journal) Unsent() []Item {
	return j.filter(func(it *Item) bool { return !it.Sent })
}

// Items lists every written credential, oldest first.
func (j *Journal) Items() []Item {
	return j.filter(func(*Item) bool { return true })
}

func (j *Journal) filter(keep func(*Item) bool) []Item {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Item
	for _, id := range j.order {
		if it := j.items[id]; keep(it) {
			out = append(out, *copyItem(it))
		}
	}
	return out
}

// Entries returns every entry read or appended, in order.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Entry(nil), j.entries...)
}

func copyItem(it *Item) *Item {
	c := *it
	return &c
}

// Close releases the lock and the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	j.unlock()
	err := j.f.Close()
	j.f = nil
	return err
}
