package directory

import (
	"testing"
	"time"
)

func TestIsObjectID(t *testing.T) {
	for s, want := range map[string]bool{
		"11111111-2222-3333-4444-555555555555":  true,
		"AAAAAAAA-bbbb-CCCC-dddd-eeeeeeeeeeee":  true,
		"11111111-2222-3333-4444-55555555555":   false,
		"1111111122223333444455555555555555555": false,
		"zzzzzzzz-2222-3333-4444-555555555555":  false,
		"":                                      false,
	} {
		if IsObjectID(s) != want {
			t.Errorf("IsObjectID(%q) != %v", s, want)
		}
	}
}

func TestTAPExpires(t *testing.T) {
	created := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	tap := TAP{Created: created, LifetimeMinutes: 60}
	if got := tap.Expires(); !got.Equal(created.Add(time.Hour)) {
		t.Errorf("from created: %v", got)
	}
	tap.Start = created.Add(30 * time.Minute)
	if got := tap.Expires(); !got.Equal(created.Add(90 * time.Minute)) {
		t.Errorf("from start: %v", got)
	}
}
