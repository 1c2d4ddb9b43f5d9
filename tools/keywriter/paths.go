package main

import (
	"os"
	"path/filepath"
)

// stateDir is where the journal and reports live by default:
// $XDG_STATE_HOME/keywriter, ~/.local/state/keywriter, or the user's
// configuration directory elsewhere.
func (a *app) stateDir() string {
	if d := a.getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "keywriter")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "keywriter")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "keywriter")
	}
	return "keywriter-state"
}

func (a *app) defaultJournal() string { return filepath.Join(a.stateDir(), "journal.jsonl") }
