package callout

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// mutated returns the approved fixture with edit applied to its decoded form.
func mutated(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, "approved.json"), &m); err != nil {
		t.Fatalf("decode fixture: %v", err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("encode fixture: %v", err)
	}
	return b
}

func target(m map[string]any) map[string]any {
	return m["Assignment"].(map[string]any)["Target"].(map[string]any)
}

// wantParseError fails unless err is a *ParseError for field whose reason
// contains reason.
func wantParseError(t *testing.T, err error, field, reason string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want *ParseError", err, err)
	}
	if pe.Field != field || !strings.Contains(pe.Reason, reason) {
		t.Fatalf("error = %q, want field %q with reason containing %q", pe.Error(), field, reason)
	}
}
